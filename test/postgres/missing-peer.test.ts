import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('turnstore/postgres without the pg package', () => {
  it('imports fine, and a store made from a connection string rejects its calls with TURNSTORE_MISSING_PEER saying what to install', () => {
    // A copy of the built package with no node_modules anywhere above it, so `pg` cannot resolve.
    const place = mkdtempSync(join(tmpdir(), 'turnstore-no-pg-'));
    try {
      const packageDir = join(place, 'node_modules', 'turnstore');
      cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
      writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
      const script = [
        "import { PostgresStore } from 'turnstore/postgres';",
        "const store = new PostgresStore({ connectionString: 'postgres://127.0.0.1:1/x' });",
        'const outcomes = [];',
        'for (const call of [() => store.get("a"), () => store.append("a", "user", "hi")]) {',
        '  try { await call(); outcomes.push("resolved"); } catch (error) { outcomes.push({ code: error.code, message: error.message, cause: Boolean(error.cause) }); }',
        '}',
        'await store.close();',
        'console.log(JSON.stringify(outcomes));',
      ].join('\n');
      writeFileSync(join(place, 'check.mjs'), script);
      const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.stderr, '');
      assert.equal(result.status, 0);
      const outcomes = JSON.parse(result.stdout) as Array<{ code: string; message: string; cause: boolean }>;
      assert.equal(outcomes.length, 2);
      for (const outcome of outcomes) {
        assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
        assert.ok(outcome.message.includes('npm install pg'), outcome.message);
        assert.ok(outcome.cause, 'the import error is the cause');
      }
    } finally {
      rmSync(place, { recursive: true, force: true });
    }
  });
});
