import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { peerProject } from '../support/peer-project.js';

interface PeerProjectsScript {
  installEnvironment(execPath: string, env: Record<string, string | undefined>): Record<string, string | undefined>;
  installedForOtherAbi(dir: string, modules: string): boolean;
}
const script = (await import(new URL('../../../scripts/peer-projects.mjs', import.meta.url).href)) as PeerProjectsScript;

// The peer projects are what lets ai 7 (and other Node 22 peers) be tested beside the root's ai 6:
// the copy of turnstore in a project must resolve its peers there, or every test through it would
// silently exercise the root's versions.
const project = peerProject('ai-7');
const agentsProject = peerProject('openai-agents');
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

test(
  'the openai-agents peer project gives turnstore its @openai/agents-core, and turnstore/sqlite a better-sqlite3 built for this Node',
  { skip: 'skip' in agentsProject ? agentsProject.skip : false },
  async () => {
    if ('skip' in agentsProject) return;
    const copy = join(agentsProject.dir, 'node_modules', 'turnstore', 'dist', 'src');
    const fromAdapter = createRequire(join(copy, 'adapters', 'openai-agents', 'index.js'));
    assert.equal(
      fromAdapter.resolve('@openai/agents-core'),
      join(agentsProject.dir, 'node_modules', '@openai', 'agents-core', 'dist', 'index.js'),
    );
    assert.match(agentsProject.version('@openai/agents-core'), /^0\.(2\d|[3-9]\d)\./);
    const fromSqlite = createRequire(join(copy, 'sqlite', 'index.js'));
    assert.equal(fromSqlite.resolve('better-sqlite3'), join(agentsProject.dir, 'node_modules', 'better-sqlite3', 'lib', 'index.js'));
    const { SqliteStore } = (await agentsProject.load('turnstore/sqlite')) as typeof import('../../src/sqlite/index.js');
    const store = new SqliteStore({ path: ':memory:' });
    await store.append('c', 'user', 'hi');
    assert.equal((await store.get('c'))[0]!.content, 'hi');
    await store.close();
  },
);

test('a peer project is installed with the running Node’s own headers when they are beside it, even when npm_config_nodedir names others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnstore-nodedir-'));
  try {
    const node = join(dir, 'bin', 'node');
    assert.equal(script.installEnvironment(node, { PATH: '/bin' }).npm_config_nodedir, undefined, 'no headers there');
    mkdirSync(join(dir, 'include', 'node'), { recursive: true });
    writeFileSync(join(dir, 'include', 'node', 'node.h'), '');
    assert.deepEqual(script.installEnvironment(node, { PATH: '/bin' }), { PATH: '/bin', npm_config_nodedir: dir });
    // npm test hands ~/.npmrc's nodedir (say /usr, the system Node's) to the script: the running Node's headers win.
    assert.deepEqual(script.installEnvironment(node, { npm_config_nodedir: '/usr' }), { npm_config_nodedir: dir });
    assert.deepEqual(script.installEnvironment(join(dir, 'other', 'bin', 'node'), { npm_config_nodedir: '/usr' }), {
      npm_config_nodedir: '/usr',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a peer project installed by a Node of another module ABI is installed again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnstore-abi-'));
  try {
    assert.equal(script.installedForOtherAbi(dir, '137'), false, 'never installed: npm ci runs anyway');
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.turnstore-node-abi'), '127');
    assert.equal(script.installedForOtherAbi(dir, '137'), true);
    assert.equal(script.installedForOtherAbi(dir, '127'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
