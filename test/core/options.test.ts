import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backendUnavailableError,
  closedError,
  invalidOptionError,
  missingPeerError,
  peerLoadFailedError,
  TurnstoreError,
  unknownOptionError,
} from '../../src/core/errors.js';
import { checkOptions, optionKeys, resolveStoreOptions, STORE_OPTION_KEYS, type StoreOptions } from '../../src/core/options.js';
import { MemoryStore } from '../../src/index.js';

function refused(action: () => unknown, mentions: RegExp): TurnstoreError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TurnstoreError, `threw ${String(caught)}`);
  assert.equal(caught.code, 'TURNSTORE_INVALID_OPTION');
  assert.match(caught.message, mentions);
  return caught;
}

describe('checkOptions', () => {
  const shape = { owner: 'thing', known: ['alpha', 'beta'] };

  it('returns the options when every key is known; undefined reads as {}', () => {
    const options = { alpha: 1 };
    assert.equal(checkOptions(options, shape), options);
    assert.deepEqual(checkOptions(undefined, shape), {});
    assert.deepEqual(checkOptions({ alpha: undefined, beta: 2 }, shape), { alpha: undefined, beta: 2 });
  });

  it('refuses an unknown key, naming it, the owner and every known key', () => {
    refused(() => checkOptions({ alpha: 1, alhpa: 2 }, shape), /^thing: unknown option "alhpa"; known options are alpha, beta\.$/);
    // Keys that are data elsewhere are still unknown options here.
    refused(() => checkOptions(JSON.parse('{"__proto__": 1}'), shape), /unknown option "__proto__"/);
    refused(() => checkOptions({ constructor: 1 }, shape), /unknown option "constructor"/);
  });

  it('refuses what is not an options object, listing the options', () => {
    for (const value of [null, 5, 'alpha', [], () => 1]) {
      refused(() => checkOptions(value, shape), /^thing: options must be an object \{alpha, beta\}; got /);
    }
  });

  it('optionKeys lists the keys of an interface, in order', () => {
    assert.deepEqual(optionKeys<{ a?: number; b: string }>({ a: true, b: true }), ['a', 'b']);
    assert.deepEqual([...STORE_OPTION_KEYS].sort(), [
      'maxConversations',
      'maxTotalBytes',
      'maxTurnBytes',
      'maxTurns',
      'now',
      'onEvict',
      'ttlSeconds',
    ]);
  });
});

describe('resolveStoreOptions', () => {
  it('resolves the shared options the same way for every store, with the store named in errors', () => {
    const { store, raw } = resolveStoreOptions({ maxTurns: 3, path: 'x' }, { owner: 'SomeStore', ownKeys: ['path'] });
    assert.equal(store.maxTurns, 3);
    assert.equal(store.ttlSeconds, 3600);
    assert.equal(raw.path, 'x');
    refused(
      () => resolveStoreOptions({ maxTurns: 0 }, { owner: 'SomeStore' }),
      /^SomeStore: option "maxTurns" must be an integer ≥ 1; got 0\.$/,
    );
    refused(
      () => resolveStoreOptions({ path: 'x' }, { owner: 'SomeStore' }),
      /^SomeStore: unknown option "path"; known options are maxTurns, .*onEvict\.$/,
    );
  });

  it('refuses an option the store does not support, saying why', () => {
    const shape = { owner: 'ServerClockStore', unsupported: { now: 'time comes from the server' } };
    refused(
      () => resolveStoreOptions({ now: () => 0 } satisfies StoreOptions, shape),
      /option "now" is not supported by ServerClockStore: time comes from the server; got a function/,
    );
    assert.equal(resolveStoreOptions({}, shape).store.now, undefined);
  });

  it('list refuses an unknown option instead of ignoring it', async () => {
    const store = new MemoryStore();
    try {
      await assert.rejects(store.list({ limt: 5 } as never), (error: unknown) => {
        assert.equal((error as TurnstoreError).code, 'TURNSTORE_INVALID_OPTION');
        assert.match((error as Error).message, /^list: unknown option "limt"; known options are limit, cursor\.$/);
        return true;
      });
    } finally {
      await store.close();
    }
  });
});

describe('error factories: one code, one wording', () => {
  it('each factory carries its code and keeps the cause', () => {
    const cause = new Error('underneath');
    const made = [
      invalidOptionError({ owner: 'o', option: 'x', problem: 'must be 1', value: 2 }, { cause }),
      unknownOptionError({ owner: 'o', option: 'y', known: ['x'] }, { cause }),
      missingPeerError({ purpose: 'P', name: 'pkg' }, { cause }),
      peerLoadFailedError({ purpose: 'P', name: 'pkg', reason: 'boom' }, { cause }),
      closedError({ owner: 'MemoryStore' }, { cause }),
      backendUnavailableError({ backend: 'Redis', problem: 'did not answer.' }, { cause }),
    ];
    assert.deepEqual(
      made.map((error) => error.code),
      [
        'TURNSTORE_INVALID_OPTION',
        'TURNSTORE_INVALID_OPTION',
        'TURNSTORE_MISSING_PEER',
        'TURNSTORE_PEER_LOAD_FAILED',
        'TURNSTORE_CLOSED',
        'TURNSTORE_BACKEND_UNAVAILABLE',
      ],
    );
    for (const error of made) {
      assert.ok(error instanceof TurnstoreError);
      assert.equal(error.cause, cause);
    }
    assert.equal(invalidOptionError.code, 'TURNSTORE_INVALID_OPTION');
  });

  it('writes the messages', () => {
    assert.equal(
      invalidOptionError({ owner: 'o', option: 'x', problem: 'must be 1', value: 'two' }).message,
      'o: option "x" must be 1; got "two".',
    );
    assert.equal(
      invalidOptionError({ owner: 'o', option: 'key', problem: 'must be printable' }).message,
      'o: option "key" must be printable.',
      'a value left out is not shown',
    );
    assert.equal(
      invalidOptionError({ owner: 'o', option: 'x', problem: 'must be set', value: undefined }).message,
      'o: option "x" must be set; got undefined.',
    );
    assert.equal(
      missingPeerError({ purpose: 'SqliteStore', name: 'better-sqlite3', install: 'npm install better-sqlite3@12' }).message,
      'SqliteStore needs the package "better-sqlite3", which is not installed: run npm install better-sqlite3@12.',
    );
    assert.equal(
      missingPeerError({ purpose: 'P', name: 'ai', needs: 'ai 7 needs Node.js 22 or later.' }).message,
      'P needs the package "ai", which is not installed: run npm install ai. ai 7 needs Node.js 22 or later.',
    );
    assert.match(
      peerLoadFailedError({ purpose: 'P', name: 'pkg', reason: 'boom' }).message,
      /^P needs the package "pkg", which is installed but failed to load: boom\. Reinstall it \(npm rebuild pkg, or npm install pkg\) with the Node\.js that runs this process \(v\d+/,
    );
    assert.equal(closedError({ owner: 'RedisStore', during: 'append' }).message, 'This RedisStore was closed while append was running.');
    assert.equal(closedError({ owner: 'MemoryStore' }).message, 'This MemoryStore was closed.');
  });
});
