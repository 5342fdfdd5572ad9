/**
 * Every option of `createServer` and of its `proxy` is checked before anything starts: an unknown
 * one is refused by name, with the known ones listed, so a typo never turns a guard off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/index.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';

async function refused(options: Record<string, unknown>, mentions: RegExp): Promise<void> {
  const store = new MemoryStore();
  try {
    await assert.rejects(createServer({ logLevel: 'silent', store, ...options } as unknown as ServerOptions), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'TURNSTORE_INVALID_OPTION', String(error));
      assert.match((error as Error).message, mentions);
      return true;
    });
  } finally {
    await store.close();
  }
}

describe('createServer options', () => {
  it('refuses an unknown option, naming it and listing the known ones', async () => {
    await refused(
      { tokn: 's3cret' },
      /^createServer: unknown option "tokn"; known options are store, token, logLevel, bodyLimit, metrics, proxy\.$/,
    );
    await refused({ metric: false }, /unknown option "metric"/);
    await refused({ bodylimit: 10 }, /unknown option "bodylimit"/);
  });

  it('refuses options that are not an object, a missing or wrong store, and a metrics that is not a boolean', async () => {
    await assert.rejects(createServer(undefined as never), {
      code: 'TURNSTORE_INVALID_OPTION',
      message: /option "store" must be a turnstore store \(MemoryStore, SqliteStore, RedisStore, PostgresStore\); got undefined/,
    });
    await assert.rejects(createServer('store' as never), {
      code: 'TURNSTORE_INVALID_OPTION',
      message: /^createServer: options must be an object/,
    });
    await refused({ store: { get() {} } }, /option "store" must be a turnstore store/);
    // A store written before pop existed would otherwise answer the pop route with a 500.
    const withoutPop = { get() {}, append() {}, appendMany() {}, delete() {}, clear() {}, size() {}, list() {}, stats() {}, close() {} };
    await refused(
      { store: withoutPop },
      /option "store" must be a turnstore store \(MemoryStore, SqliteStore, RedisStore, PostgresStore\): it has no pop method\.$/,
    );
    await refused({ metrics: 'no' }, /option "metrics" must be true or false; got "no"/);
    await refused({ token: 5 }, /option "token" cannot be used: it must be a string/);
  });

  it('the proxy options refuse an unknown field too, naming it', async () => {
    await refused(
      { proxy: { upstream: 'http://127.0.0.1:1/v1', upstreamKy: 'sk-secret' } },
      /^createServer, option "proxy": unknown option "upstreamKy"; known options are upstream, upstreamKey, contextTokens, upstreamTimeoutMs, countTokens, summarize\.$/,
    );
    await refused({ proxy: { upstream: 'http://127.0.0.1:1/v1', contextToken: 10 } }, /unknown option "contextToken"/);
    await refused({ proxy: 'http://127.0.0.1:1/v1' }, /option "proxy": options must be an object/);
    await refused(
      { proxy: { upstream: 'http://127.0.0.1:1/v1', upstreamKey: 'has space' } },
      /option "upstreamKey" must be printable ASCII without spaces\.$/,
    );
  });

  it('accepts every known option', async () => {
    const store = new MemoryStore();
    const app = await createServer({
      store,
      token: 'a-token',
      logLevel: 'silent',
      bodyLimit: 2048,
      metrics: false,
      proxy: { upstream: 'http://127.0.0.1:1/v1', upstreamKey: 'k', contextTokens: 100, upstreamTimeoutMs: 1000, countTokens: () => 1 },
    });
    await app.close();
    await store.close();
  });
});
