import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLoopback, readServeConfig, redactUrl } from '../../src/cli/serve-config.js';
import { UsageError } from '../../src/cli/usage-error.js';

describe('serve configuration', () => {
  it('defaults to the memory store on 127.0.0.1:8080 with SPEC §2 limits, no token, log level info', () => {
    assert.deepEqual(readServeConfig({}, {}), {
      host: '127.0.0.1',
      port: 8080,
      store: { kind: 'memory' },
      limits: { maxTurns: 8, ttlSeconds: 3600, maxConversations: 500, maxTurnBytes: 65536, maxTotalBytes: 67108864 },
      bodyLimit: 1048576,
      token: undefined,
      logLevel: 'info',
    });
  });

  it('reads every TURNSTORE_* variable, and a flag wins over its variable', () => {
    const env = {
      TURNSTORE_HOST: '::1',
      TURNSTORE_PORT: '9000',
      TURNSTORE_STORE: 'sqlite:/tmp/a.db',
      TURNSTORE_MAX_TURNS: '3',
      TURNSTORE_TTL_SECONDS: '60',
      TURNSTORE_MAX_CONVERSATIONS: '10',
      TURNSTORE_MAX_TURN_BYTES: '100',
      TURNSTORE_MAX_TOTAL_BYTES: '1000',
      TURNSTORE_TOKEN: 'tok',
    };
    const fromEnv = readServeConfig({}, env);
    assert.deepEqual(fromEnv, {
      host: '::1',
      port: 9000,
      store: { kind: 'sqlite', path: '/tmp/a.db' },
      limits: { maxTurns: 3, ttlSeconds: 60, maxConversations: 10, maxTurnBytes: 100, maxTotalBytes: 1000 },
      bodyLimit: 1048576,
      token: 'tok',
      logLevel: 'info',
    });
    const fromFlags = readServeConfig(
      {
        host: '127.0.0.2',
        port: '0',
        store: 'redis://cache:6379/2',
        'max-turns': '4',
        ttl: '0',
        'max-conversations': '20',
        'max-turn-bytes': '1048576',
        'max-total-bytes': '16777216',
        'log-level': 'debug',
      },
      env,
    );
    assert.deepEqual(fromFlags, {
      host: '127.0.0.2',
      port: 0,
      store: { kind: 'redis', url: 'redis://cache:6379/2' },
      limits: { maxTurns: 4, ttlSeconds: 0, maxConversations: 20, maxTurnBytes: 1048576, maxTotalBytes: 16777216 },
      bodyLimit: 4 * 1048576 + 65536,
      token: 'tok',
      logLevel: 'debug',
    });
  });

  it('refuses a byte budget below one turn, and raises the default budget to fit a larger turn', () => {
    assert.throws(
      () => readServeConfig({ 'max-turn-bytes': '1000', 'max-total-bytes': '999' }, {}),
      (error: unknown) => error instanceof UsageError && /--max-total-bytes/.test(error.message) && /max-turn-bytes/.test(error.message),
    );
    assert.equal(readServeConfig({ 'max-turn-bytes': String(2 ** 27) }, {}).limits.maxTotalBytes, 2 ** 27);
  });

  it('--summarize passes the store’s maxTurns and the prompt file to the proxy; without the proxy, or the prompt file alone, it is a usage error', () => {
    const prompt = join(mkdtempSync(join(tmpdir(), 'turnstore-prompt-')), 'prompt.txt');
    writeFileSync(prompt, ' Keep names.\n');
    const config = readServeConfig(
      { upstream: 'http://127.0.0.1:1/v1', summarize: 'true', 'max-turns': '12', 'summary-prompt-file': prompt },
      {},
    );
    assert.deepEqual(config.proxy?.summarize, { maxTurns: 12, prompt: 'Keep names.' });
    assert.deepEqual(readServeConfig({ upstream: 'http://127.0.0.1:1/v1' }, { TURNSTORE_SUMMARIZE: '1' }).proxy?.summarize, {
      maxTurns: 8,
    });
    assert.equal(readServeConfig({ upstream: 'http://127.0.0.1:1/v1' }, {}).proxy?.summarize, undefined);
    assert.throws(
      () => readServeConfig({ summarize: 'true' }, {}),
      (error: Error) => error instanceof UsageError && /only applies to the memory proxy/.test(error.message),
    );
    assert.throws(
      () => readServeConfig({ upstream: 'http://127.0.0.1:1/v1', 'summary-prompt-file': prompt }, {}),
      (error: Error) => error instanceof UsageError && /only applies with --summarize/.test(error.message),
    );
    assert.throws(
      () => readServeConfig({ upstream: 'http://127.0.0.1:1/v1' }, { TURNSTORE_SUMMARIZE: 'yes' }),
      (error: Error) => error instanceof UsageError && /TURNSTORE_SUMMARIZE must be 1, true, 0 or false/.test(error.message),
    );
  });

  it('treats an empty variable as unset (as systemd environment files write them)', () => {
    assert.equal(readServeConfig({}, { TURNSTORE_PORT: '', TURNSTORE_TOKEN: '', TURNSTORE_STORE: '' }).port, 8080);
  });

  it('knows loopback addresses from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(host), host);
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.2',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      'example.com',
      'localhost.example.com',
      '::2',
    ])
      assert.ok(!isLoopback(host), host);
  });

  it('refuses a public address without a token, and accepts it with one', () => {
    assert.throws(
      () => readServeConfig({ host: '0.0.0.0' }, {}),
      (error: unknown) => error instanceof UsageError && /refusing to listen on 0\.0\.0\.0 without a token/.test(error.message),
    );
    assert.equal(readServeConfig({ host: '0.0.0.0' }, { TURNSTORE_TOKEN: 't0ken' }).host, '0.0.0.0');
  });

  it('never shows a Redis password', () => {
    assert.equal(redactUrl('redis://user:hunter2@cache:6379'), 'redis://user:***@cache:6379');
    assert.equal(redactUrl('rediss://:hunter2@cache:6379'), 'rediss://:***@cache:6379');
    assert.equal(redactUrl('redis://cache:6379'), 'redis://cache:6379');
  });
});

describe('serve configuration: flags given in code', () => {
  it('refuses a flag it does not know, as the command line does', () => {
    assert.throws(() => readServeConfig({ tokn: 's3cret' } as never, {}), {
      code: 'TURNSTORE_INVALID_OPTION',
      message:
        /^turnstore serve: unknown option "tokn"; known options are host, port, store, .*upstream-timeout-ms, summarize, summary-prompt-file\.$/,
    });
  });
});
