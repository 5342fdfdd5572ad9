import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { TurnstoreError } from '../../src/index.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

// Behaviour of SqliteStore beyond the shared contract (test/conformance covers that): its own
// options, errors from the database, the expiry sweep in the file, and clocks.

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const temp = tempDirForThisFile('turnstore-sqlite-store-');

function assertInvalidOption(options: unknown, mentions: string): void {
  assert.throws(
    () => new SqliteStore(options as SqliteStoreOptions),
    (error: unknown) => {
      assert.ok(error instanceof TurnstoreError, String(error));
      assert.equal(error.code, 'TURNSTORE_INVALID_OPTION', error.message);
      assert.ok(error.message.includes(mentions), `the message should name ${mentions}: ${error.message}`);
      return true;
    },
    `${JSON.stringify(options)} should be refused`,
  );
}

describe('SqliteStore options', () => {
  it('refuses a missing or bad path, naming it, without creating anything', () => {
    for (const path of [undefined, '', '   ', 5, null, {}, 'a\u0000b']) assertInvalidOption({ path }, 'path');
    assertInvalidOption(undefined, 'path');
    assertInvalidOption({}, 'path');
  });

  it('refuses a bad synchronous, busyTimeoutMs or driver, naming it', () => {
    const path = temp.file();
    for (const synchronous of ['NORMAL', 'off', 'extra', 1, true, null]) assertInvalidOption({ path, synchronous }, 'synchronous');
    for (const busyTimeoutMs of [-1, 1.5, '5', NaN, Infinity, 2 ** 31, null]) assertInvalidOption({ path, busyTimeoutMs }, 'busyTimeoutMs');
    for (const driver of ['better-sqlite3', {}, 5, null]) assertInvalidOption({ path, driver }, 'driver');
    assert.equal(existsSync(path), false, 'options are checked before the file is touched');
  });

  it('still refuses unknown and bad shared options', () => {
    const path = temp.file();
    assertInvalidOption({ path, pth: 'x.db' }, 'pth');
    assertInvalidOption({ path, synchronus: 'full' }, 'synchronus');
    assertInvalidOption({ path, maxTurns: 0 }, 'maxTurns');
    assertInvalidOption({ path, maxTurnBytes: 100, maxTotalBytes: 99 }, 'maxTotalBytes');
    assert.equal(existsSync(path), false);
  });

  it('applies synchronous and WAL through the driver it is given', async () => {
    const pragmas: string[] = [];
    let opened = 0;
    class RecordingDatabase extends Database {
      constructor(filename: string, options?: BetterSqlite3.Options) {
        super(filename, options);
        opened++;
      }

      override pragma(source: string, options?: BetterSqlite3.PragmaOptions): unknown {
        pragmas.push(source);
        return super.pragma(source, options);
      }
    }
    for (const synchronous of ['normal', 'full'] as const) {
      pragmas.length = 0;
      const store = new SqliteStore({ path: temp.file(), synchronous, driver: RecordingDatabase });
      await store.append('a', 'user', 'hi');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['hi'],
      );
      await store.close();
      assert.ok(pragmas.includes('journal_mode = WAL'), pragmas.join('; '));
      assert.ok(pragmas.includes(`synchronous = ${synchronous.toUpperCase()}`), pragmas.join('; '));
    }
    assert.equal(opened, 2);
  });

  it("accepts ':memory:' for a private, non-persistent store", async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.append('a', 'user', 'hi');
    assert.equal(await store.size(), 1);
    await store.close();
  });
});

describe('SqliteStore errors', () => {
  it('rejects with TURNSTORE_BACKEND_UNAVAILABLE (cause SQLITE_BUSY) when another connection holds the write lock past busyTimeoutMs, and recovers', async () => {
    const path = temp.file();
    const store = new SqliteStore({ path, busyTimeoutMs: 50 });
    await store.append('a', 'user', 'before the lock');
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      for (const call of [() => store.append('a', 'user', 'x'), () => store.get('a'), () => store.delete('a'), () => store.clear()]) {
        const started = Date.now();
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof TurnstoreError, String(error));
          assert.equal(error.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
          assert.match(String((error.cause as { code?: string }).code), /^SQLITE_BUSY/);
          return true;
        });
        assert.ok(Date.now() - started < 2000, 'within about busyTimeoutMs');
      }
      // WAL: readers do not wait for the writer.
      assert.equal(await store.size(), 1);
      assert.equal((await store.list()).items.length, 1);
      // Bad input is refused before the database is asked, so it is not reported as busy.
      await assert.rejects(store.append('a', 'robot' as 'user', 'x'), { code: 'TURNSTORE_INVALID_TURN' });
      await assert.rejects(store.get(''), { code: 'TURNSTORE_INVALID_ID' });
      await assert.rejects(store.list({ limit: 0 }), { code: 'TURNSTORE_INVALID_OPTION' });
      other.exec('ROLLBACK');
      await store.append('a', 'assistant', 'after the lock');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['before the lock', 'after the lock'],
      );
    } finally {
      other.close();
      await store.close();
    }
  });

  it('a call that fails midway is rolled back whole: its evictions are undone, not reported, and redone by the next call', async () => {
    const path = temp.file();
    let now = 1_700_000_000_000;
    const evicted: string[] = [];
    const store = new SqliteStore({
      path,
      ttlSeconds: 60,
      now: () => now,
      onEvict: (id, reason) => {
        evicted.push(`${reason}:${id}`);
      },
    });
    const raw = new Database(path);
    try {
      await store.append('old', 'user', 'x');
      now += 30_000;
      await store.append('newer', 'user', 'y');
      now += 31_000; // 'old' idle 61 s: expired; 'newer' idle 31 s: alive
      // A trigger makes inserting turns fail, after the append has already expired 'old' in its transaction.
      raw.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON turns BEGIN SELECT RAISE(ABORT, 'no room'); END");
      await assert.rejects(store.append('new', 'user', 'z'), (error: unknown) => {
        assert.ok(error instanceof TurnstoreError && error.code === 'TURNSTORE_BACKEND_UNAVAILABLE', String(error));
        assert.match(String(error.cause), /no room/);
        return true;
      });
      assert.deepEqual(evicted, [], 'nothing reported for a call that rolled back');
      assert.equal(
        raw.prepare("SELECT count(*) FROM conversations WHERE id = 'old'").pluck().get(),
        1,
        'the expiry was rolled back with the call',
      );
      raw.exec('DROP TRIGGER fail_inserts');
      // The next call expires it again, this time for good, and reports it once.
      assert.equal(await store.size(), 1);
      assert.deepEqual(evicted, ['ttl:old']);
      await store.append('new', 'user', 'z');
      assert.deepEqual(
        (await store.list()).items.map((item) => item.id),
        ['new', 'newer'],
      );
    } finally {
      raw.close();
      await store.close();
    }
  });
});

describe('SqliteStore expiry and clocks', () => {
  it('the sweep timer deletes expired conversations from the file with no call to the store', async () => {
    const path = temp.file();
    const store = new SqliteStore({ path, ttlSeconds: 0.2 });
    const raw = new Database(path);
    try {
      await store.append('a', 'user', 'soon gone');
      assert.equal(raw.prepare('SELECT count(*) FROM turns').pluck().get(), 1);
      // The sweep runs every second at the shortest; give it two.
      const deadline = Date.now() + 2500;
      while (Date.now() < deadline && raw.prepare('SELECT count(*) FROM conversations').pluck().get() !== 0) await sleep(100);
      assert.equal(raw.prepare('SELECT count(*) FROM conversations').pluck().get(), 0);
      assert.equal(raw.prepare('SELECT count(*) FROM turns').pluck().get(), 0);
      assert.equal(raw.prepare("SELECT count FROM evictions WHERE reason = 'ttl'").pluck().get(), 1);
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('keeps recency and expiry consistent when the clock goes back: a touch is stamped no earlier than any before it', async () => {
    let now = 1_700_000_010_000;
    const store = new SqliteStore({ path: temp.file(), ttlSeconds: 5, maxConversations: 2, now: () => now });
    try {
      await store.append('a', 'user', '1');
      now = 1_700_000_001_000; // nine seconds back
      await store.append('b', 'user', '2');
      const { items } = await store.list();
      assert.deepEqual(
        items.map((item) => item.id),
        ['b', 'a'],
      );
      assert.deepEqual(
        items.map((item) => item.lastAccess),
        [1_700_000_010, 1_700_000_010],
      );
      assert.equal((await store.get('b'))[0]!.ts, 1_700_000_001, 'ts is the clock as read');
      await store.append('c', 'user', '3'); // evicts the least recently used: a
      assert.deepEqual(
        (await store.list()).items.map((item) => item.id),
        ['c', 'b'],
      );
      now = 1_700_000_015_000; // exactly the TTL after the latest time recorded: alive
      assert.equal(await store.size(), 2);
      now += 1;
      assert.equal(await store.size(), 0);
    } finally {
      await store.close();
    }
  });

  it('two stores on one file see each other: a write by one is read by the other, expiry counted once', async () => {
    const path = temp.file();
    let now = 1_700_000_000_000;
    const seen: string[][] = [[], []];
    const stores = [0, 1].map(
      (k) =>
        new SqliteStore({
          path,
          ttlSeconds: 10,
          now: () => now,
          onEvict: (id, reason) => {
            seen[k]!.push(`${reason}:${id}`);
          },
        }),
    );
    try {
      await stores[0]!.append('a', 'user', 'from 0');
      await stores[1]!.append('a', 'assistant', 'from 1');
      assert.deepEqual(
        (await stores[0]!.get('a')).map((turn) => turn.content),
        ['from 0', 'from 1'],
      );
      now += 10_001;
      assert.equal(await stores[1]!.size(), 0);
      assert.equal(await stores[0]!.size(), 0);
      assert.deepEqual(seen, [[], ['ttl:a']], 'reported by the store that expired it, only');
      assert.equal((await stores[0]!.stats()).evictions.ttl, 1);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

describe('SqliteStore data', () => {
  it('keeps ids and contents with NUL characters whole: SQLite gets them as bound values with their length', async () => {
    const store = new SqliteStore({ path: temp.file() });
    try {
      for (const id of ['a', 'a\u0000b', 'a\u0000c', '\u0000']) await store.append(id, 'user', `${id}\u0000!`);
      for (const id of ['a', 'a\u0000b', 'a\u0000c', '\u0000'])
        assert.deepEqual(
          (await store.get(id)).map((turn) => turn.content),
          [`${id}\u0000!`],
        );
      assert.equal(await store.size(), 4);
      assert.deepEqual(await store.get('a\u0000'), []);
    } finally {
      await store.close();
    }
  });
});
