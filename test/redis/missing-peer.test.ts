import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithoutPeers } from '../support/without-peers.js';

describe('turnstore/redis without the redis package', () => {
  it('imports fine, and a store made from a url rejects its calls with TURNSTORE_MISSING_PEER saying what to install', () => {
    const outcomes = runWithoutPeers([
      "import { RedisStore } from 'turnstore/redis';",
      "const store = new RedisStore({ url: 'redis://127.0.0.1:1' });",
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
      assert.ok(outcome.message.includes('npm install redis'), outcome.message);
      assert.ok(outcome.cause, 'the import error is the cause');
    }
  });
});
