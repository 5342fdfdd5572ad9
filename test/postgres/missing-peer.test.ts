import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithoutPeers } from '../support/without-peers.js';

describe('turnstore/postgres without the pg package', () => {
  it('imports fine, and a store made from a connection string rejects its calls with TURNSTORE_MISSING_PEER saying what to install', () => {
    const outcomes = runWithoutPeers([
      "import { PostgresStore } from 'turnstore/postgres';",
      "const store = new PostgresStore({ connectionString: 'postgres://127.0.0.1:1/x' });",
      'const outcomes = [];',
      'for (const call of [() => store.get("a"), () => store.append("a", "user", "hi")]) {',
      '  try { await call(); outcomes.push("resolved"); } catch (error) { outcomes.push({ code: error.code, message: error.message, cause: Boolean(error.cause) }); }',
      '}',
      'await store.close();',
      'console.log(JSON.stringify(outcomes));',
    ]) as Array<{ code: string; message: string; cause: boolean }>;
    assert.equal(outcomes.length, 2);
    for (const outcome of outcomes) {
      assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
      assert.ok(outcome.message.includes('npm install pg'), outcome.message);
      assert.ok(outcome.cause, 'the import error is the cause');
    }
  });
});
