/**
 * The adapter subpaths in a project without their optional peers: a copy of the built package
 * with no node_modules anywhere above it, so nothing but Node built-ins can resolve.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const place = mkdtempSync(join(tmpdir(), 'turnstore-no-peers-'));
after(() => rmSync(place, { recursive: true, force: true }));
const packageDir = join(place, 'node_modules', 'turnstore');
cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));

function runScript(name: string, lines: string[]): unknown {
  writeFileSync(join(place, name), lines.join('\n'));
  const result = spawnSync(process.execPath, [name], { cwd: place, encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
  return JSON.parse(result.stdout);
}

describe('adapter subpaths without their peers', () => {
  it("turnstore/langchain without @langchain/core: the import rejects with TURNSTORE_MISSING_PEER saying what to install", () => {
    const outcome = runScript('langchain.mjs', [
      'try { await import("turnstore/langchain"); console.log(JSON.stringify("imported")); }',
      'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, cause: Boolean(error.cause) })); }',
    ]) as { code: string; message: string; cause: boolean };
    assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
    assert.match(outcome.message, /turnstore\/langchain needs the package "@langchain\/core".*npm install @langchain\/core@1/);
    assert.ok(outcome.cause);
  });

  it('turnstore/ai-sdk needs nothing from ai at run time', () => {
    const outcome = runScript('ai-sdk.mjs', [
      'import { fromModelMessages, toModelMessages } from "turnstore/ai-sdk";',
      'const turns = fromModelMessages([{ role: "user", content: [{ type: "text", text: "hi" }] }]);',
      'console.log(JSON.stringify({ turns, messages: toModelMessages(turns) }));',
    ]);
    assert.deepEqual(outcome, { turns: [{ role: 'user', content: 'hi' }], messages: [{ role: 'user', content: 'hi' }] });
  });
});
