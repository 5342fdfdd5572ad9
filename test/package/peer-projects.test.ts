import assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { peerProject } from '../support/peer-project.js';

// The peer projects are what lets ai 7 (and other Node 22 peers) be tested beside the root's ai 6:
// the copy of turnstore in a project must resolve its peers there, or every test through it would
// silently exercise the root's versions.
const project = peerProject('ai-7');
test(
  'the ai-7 peer project gives turnstore its own ai 7, not the root ai 6',
  { skip: 'skip' in project ? project.skip : false },
  async () => {
    if ('skip' in project) return;
    const copy = join(project.dir, 'node_modules', 'turnstore');
    assert.ok(lstatSync(copy).isDirectory() && !lstatSync(copy).isSymbolicLink(), 'turnstore is a copy, not a link back to the root');
    const fromAdapter = createRequire(join(copy, 'dist', 'src', 'adapters', 'ai-sdk', 'index.js'));
    assert.equal(fromAdapter.resolve('ai/package.json'), join(project.dir, 'node_modules', 'ai', 'package.json'));
    assert.match(project.version('ai'), /^7\./);
    const ai = (await project.load('ai')) as { validateUIMessages?: unknown };
    assert.equal(typeof ai.validateUIMessages, 'function');
    const root = createRequire(import.meta.url);
    assert.match((root('ai/package.json') as { version: string }).version, /^6\./, 'the root keeps ai 6');
  },
);
