/**
 * The one peer loader tells "not installed" (TURNSTORE_MISSING_PEER) from "installed but failed to
 * load" (TURNSTORE_PEER_LOAD_FAILED, the loading error as cause), for `import()` and `require`
 * alike, and every subpath's peer goes through it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithoutPeers } from '../support/without-peers.js';

/** A package whose loading throws as a native addon built for another Node.js does. */
function abiMismatch(name: string) {
  return {
    name,
    subpaths: ['./chat_history', './messages'],
    source: [
      "const error = new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 127.');",
      "error.code = 'ERR_DLOPEN_FAILED';",
      'throw error;',
    ].join('\n'),
  };
}

/** Prints `{code, message, cause}` of what `call` throws or rejects with, as JSON. */
const report = (call: string) => [
  `try { await (${call}); console.log(JSON.stringify('no error')); }`,
  'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, cause: error.cause?.code ?? null })); }',
];

type Outcome = { code: string; message: string; cause: string | null };

describe('loading a peer', () => {
  it('better-sqlite3 installed but built for another Node.js: TURNSTORE_PEER_LOAD_FAILED with the cause, not MISSING_PEER', () => {
    const outcome = runWithoutPeers(
      ["import { SqliteStore } from 'turnstore/sqlite';", ...report("(async () => new SqliteStore({ path: 'x.db' }))()")],
      [abiMismatch('better-sqlite3')],
    ) as Outcome;
    assert.equal(outcome.code, 'TURNSTORE_PEER_LOAD_FAILED');
    assert.equal(outcome.cause, 'ERR_DLOPEN_FAILED');
    assert.match(
      outcome.message,
      /^SqliteStore needs the package "better-sqlite3", which is installed but failed to load: The module was compiled against a different Node\.js version/,
    );
    assert.match(outcome.message, /npm rebuild better-sqlite3, or npm install better-sqlite3@12/);
  });

  it('a native module that fails only when the first database opens (as better-sqlite3 does) is the same error', () => {
    const outcome = runWithoutPeers(
      ["import { SqliteStore } from 'turnstore/sqlite';", ...report("(async () => new SqliteStore({ path: 'x.db' }))()")],
      [
        {
          name: 'better-sqlite3',
          source: [
            'module.exports = class Database {',
            '  constructor() {',
            "    const error = new Error('Could not locate the bindings file. Tried: build/better_sqlite3.node');",
            '    throw error;',
            '  }',
            '};',
          ].join('\n'),
        },
      ],
    ) as Outcome;
    assert.equal(outcome.code, 'TURNSTORE_PEER_LOAD_FAILED');
    assert.match(outcome.message, /failed to load: Could not locate the bindings file/);
  });

  it('import(): redis, pg, fastify and @langchain/core that throw on load are TURNSTORE_PEER_LOAD_FAILED', () => {
    const outcomes = runWithoutPeers(
      [
        "import { MemoryStore } from 'turnstore';",
        'const outcomes = {};',
        'const run = async (name, call) => { try { await call(); outcomes[name] = "no error"; } catch (error) { outcomes[name] = { code: error.code, message: error.message, cause: error.cause?.code ?? null }; } };',
        "await run('redis', async () => { const { RedisStore } = await import('turnstore/redis'); const store = new RedisStore({ url: 'redis://127.0.0.1:1' }); try { await store.get('a'); } finally { await store.close(); } });",
        "await run('pg', async () => { const { PostgresStore } = await import('turnstore/postgres'); const store = new PostgresStore({ connectionString: 'postgres://127.0.0.1:1/x' }); try { await store.get('a'); } finally { await store.close(); } });",
        "await run('fastify', async () => { const { createServer } = await import('turnstore/server'); await createServer({ store: new MemoryStore() }); });",
        "await run('@langchain/core', () => import('turnstore/langchain'));",
        'console.log(JSON.stringify(outcomes));',
      ],
      ['redis', 'pg', 'fastify', '@langchain/core'].map(abiMismatch),
    ) as Record<string, Outcome>;
    for (const [name, purpose] of [
      ['redis', 'RedisStore'],
      ['pg', 'PostgresStore'],
      ['fastify', 'The turnstore HTTP service'],
      ['@langchain/core', 'turnstore/langchain'],
    ] as const) {
      const outcome = outcomes[name]!;
      assert.equal(outcome.code, 'TURNSTORE_PEER_LOAD_FAILED', `${name}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.cause, 'ERR_DLOPEN_FAILED', name);
      assert.ok(
        outcome.message.startsWith(`${purpose} needs the package "${name}", which is installed but failed to load`),
        outcome.message,
      );
    }
  });

  it('require: gpt-tokenizer that throws on load is TURNSTORE_PEER_LOAD_FAILED; absent, it is MISSING_PEER', () => {
    const broken = runWithoutPeers(
      ["import { gptTokenCounter } from 'turnstore/tokenizers';", ...report("(async () => gptTokenCounter({ model: 'gpt-4o' }))()")],
      [
        {
          name: 'gpt-tokenizer',
          subpaths: ['./model/gpt-4o'],
          source: "throw Object.assign(new TypeError('broken install'), { code: 'ERR_BROKEN' });",
        },
      ],
    ) as Outcome;
    assert.equal(broken.code, 'TURNSTORE_PEER_LOAD_FAILED', broken.message);
    assert.equal(broken.cause, 'ERR_BROKEN');
    assert.match(
      broken.message,
      /^gptTokenCounter needs the package "gpt-tokenizer", which is installed but failed to load: broken install\./,
    );
    const missing = runWithoutPeers([
      "import { gptTokenCounter } from 'turnstore/tokenizers';",
      ...report("(async () => gptTokenCounter({ model: 'gpt-4o' }))()"),
    ]) as Outcome;
    assert.equal(missing.code, 'TURNSTORE_MISSING_PEER');
    assert.equal(
      missing.message,
      'gptTokenCounter needs the package "gpt-tokenizer", which is not installed: run npm install gpt-tokenizer.',
    );
  });

  it('gpt-tokenizer whose model file fails to find a file of its own is a load failure, not an unknown model (found in review)', () => {
    const outcome = runWithoutPeers(
      ["import { gptTokenCounter } from 'turnstore/tokenizers';", ...report("(async () => gptTokenCounter({ model: 'gpt-4o' }))()")],
      [
        {
          name: 'gpt-tokenizer',
          subpaths: ['./model/gpt-4o'],
          source: "throw Object.assign(new Error(\"Cannot find module '../bpeRanks/o200k_base.js'\"), { code: 'MODULE_NOT_FOUND' });",
        },
      ],
    ) as Outcome;
    assert.equal(outcome.code, 'TURNSTORE_PEER_LOAD_FAILED', outcome.message);
    assert.equal(outcome.cause, 'MODULE_NOT_FOUND');
  });

  it('a missing dependency of an installed peer is a load failure, not a missing peer', () => {
    const outcome = runWithoutPeers(
      ["import { SqliteStore } from 'turnstore/sqlite';", ...report("(async () => new SqliteStore({ path: 'x.db' }))()")],
      [{ name: 'better-sqlite3', source: "require('bindings');" }],
    ) as Outcome;
    assert.equal(outcome.code, 'TURNSTORE_PEER_LOAD_FAILED');
    assert.equal(outcome.cause, 'MODULE_NOT_FOUND');
    assert.match(outcome.message, /failed to load: Cannot find module 'bindings'/);
  });
});
