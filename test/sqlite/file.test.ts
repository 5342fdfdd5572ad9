import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { TurnstoreError } from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../src/sqlite/schema.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

// The file itself: what survives a close and a reopen, how its schema version is checked and
// upgraded, and what happens with files that are not (or not yet) turnstore's.

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const temp = tempDirForThisFile('turnstore-sqlite-file-');

function withRaw<T>(path: string, work: (db: BetterSqlite3.Database) => T): T {
  const db = new Database(path);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Expects `work` to throw a TurnstoreError with `code` whose message contains every one of `mentions`. */
function assertThrowsTurnstore(work: () => unknown, code: string, ...mentions: string[]): TurnstoreError {
  let caught: unknown;
  try {
    work();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TurnstoreError, `expected a TurnstoreError ${code}; got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const mention of mentions) assert.ok(caught.message.includes(mention), `the message should mention ${mention}: ${caught.message}`);
  return caught;
}

describe('SqliteStore file: reopening', () => {
  it('keeps turns, recency, eviction counts and lastAccess across close and reopen', async () => {
    const path = temp.file();
    let now = 1_700_000_000_000;
    const options = { path, maxConversations: 3, now: () => now };
    const first = new SqliteStore(options);
    for (const id of ['a', 'b', 'c', 'd']) {
      await first.append(id, 'user', `hello ${id}`);
      now += 1000;
    }
    await first.append('b', 'assistant', 'b again');
    const before = await first.list();
    await first.close();

    const second = new SqliteStore(options);
    try {
      assert.deepEqual(await second.list(), before);
      assert.deepEqual((await second.stats()).evictions, { ttl: 0, lru: 1, bytes: 0 });
      assert.deepEqual(
        (await second.get('b')).map((turn) => turn.content),
        ['hello b', 'b again'],
      );
      // Recency continues where it stopped: c is now the least recently used.
      const evicted: string[] = [];
      const third = new SqliteStore({
        ...options,
        onEvict: (id) => {
          evicted.push(id);
        },
      });
      try {
        await third.append('e', 'user', 'new');
        assert.deepEqual(evicted, ['c']);
        assert.deepEqual(
          (await second.list()).items.map((item) => item.id),
          ['e', 'b', 'd'],
        );
        assert.deepEqual((await second.stats()).evictions, { ttl: 0, lru: 2, bytes: 0 }, 'counted in the file, seen by every store on it');
      } finally {
        await third.close();
      }
    } finally {
      await second.close();
    }
  });

  it('a conversation that expired while the file was closed is gone on reopen, counted as a ttl eviction', async () => {
    const path = temp.file();
    let now = 1_700_000_000_000;
    const first = new SqliteStore({ path, ttlSeconds: 60, now: () => now });
    await first.append('a', 'user', 'old');
    await first.close();
    now += 60_001;
    const evicted: string[] = [];
    const second = new SqliteStore({
      path,
      ttlSeconds: 60,
      now: () => now,
      onEvict: (id, reason) => {
        evicted.push(`${reason}:${id}`);
      },
    });
    try {
      assert.equal(await second.size(), 0);
      assert.deepEqual(evicted, ['ttl:a']);
    } finally {
      await second.close();
    }
  });

  it('uses WAL, and creates the schema at the current version', async () => {
    const path = temp.file();
    await new SqliteStore({ path }).close();
    withRaw(path, (db) => {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
        (row) => row.name,
      );
      assert.deepEqual(tables, ['conversations', 'evictions', 'totals', 'turns']);
    });
  });

  it('two stores opening a new file at once create the schema once', async () => {
    const path = temp.file();
    const stores = [new SqliteStore({ path }), new SqliteStore({ path })];
    try {
      await stores[0]!.append('a', 'user', 'from the first');
      assert.deepEqual(
        (await stores[1]!.get('a')).map((turn) => turn.content),
        ['from the first'],
      );
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

describe('SqliteStore file: schema versions', () => {
  it('migrates a file at version 0 (an empty SQLite file, or an empty file)', async () => {
    const sqliteFile = temp.file('empty-sqlite.db');
    withRaw(sqliteFile, (db) => {
      assert.equal(db.pragma('user_version', { simple: true }), 0);
    });
    const zeroBytes = temp.file('zero-bytes.db');
    writeFileSync(zeroBytes, '');
    for (const path of [sqliteFile, zeroBytes]) {
      const store = new SqliteStore({ path });
      try {
        await store.append('a', 'user', 'hi');
        assert.equal((await store.get('a')).length, 1);
      } finally {
        await store.close();
      }
      withRaw(path, (db) => {
        assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      });
    }
  });

  it('upgrades a file from an older version by running only the steps after it, once', async () => {
    const path = temp.file();
    const store = new SqliteStore({ path });
    await store.append('a', 'user', 'written at the current version');
    await store.close();
    let runs = 0;
    // A later version, as a future turnstore would add it: one more step after today's.
    const nextVersion = [
      ...MIGRATIONS,
      (db: BetterSqlite3.Database) => {
        runs++;
        db.exec('ALTER TABLE conversations ADD COLUMN title TEXT');
      },
    ];
    withRaw(path, (db) => migrate(db, path, nextVersion));
    withRaw(path, (db) => migrate(db, path, nextVersion));
    assert.equal(runs, 1);
    withRaw(path, (db) => {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
      assert.equal(db.prepare("SELECT count(*) FROM pragma_table_info('conversations') WHERE name = 'title'").pluck().get(), 1);
      assert.equal(db.prepare('SELECT count(*) FROM turns').pluck().get(), 1, 'existing rows are kept');
    });
  });

  it('refuses a file written by a newer turnstore, and leaves it alone', () => {
    const path = temp.file();
    withRaw(path, (db) => {
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    });
    assertThrowsTurnstore(
      () => new SqliteStore({ path }),
      'TURNSTORE_BACKEND_UNAVAILABLE',
      `schema version ${SCHEMA_VERSION + 1}`,
      'upgrade turnstore',
    );
    withRaw(path, (db) => {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
      assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").pluck().get(), 0, 'no table created');
    });
  });

  it("refuses a version-0 file holding another application's tables", () => {
    const path = temp.file();
    withRaw(path, (db) => {
      db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    });
    assertThrowsTurnstore(() => new SqliteStore({ path }), 'TURNSTORE_BACKEND_UNAVAILABLE', 'not a turnstore database', 'users');
  });
});

describe('SqliteStore file: files it cannot use', () => {
  it('a file that is not a SQLite database → TURNSTORE_BACKEND_UNAVAILABLE with the driver error as cause', () => {
    const path = temp.file('garbage.db');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header. '.repeat(100));
    const error = assertThrowsTurnstore(() => new SqliteStore({ path }), 'TURNSTORE_BACKEND_UNAVAILABLE', 'SQLITE_NOTADB');
    assert.equal((error.cause as { code?: string }).code, 'SQLITE_NOTADB');
  });

  it('a path in a folder that does not exist → TURNSTORE_BACKEND_UNAVAILABLE naming the path', () => {
    const path = join(temp.path, 'no', 'such', 'folder', 'store.db');
    const error = assertThrowsTurnstore(() => new SqliteStore({ path }), 'TURNSTORE_BACKEND_UNAVAILABLE', 'could not open', path);
    assert.ok(error.cause instanceof Error);
  });

  it('a folder where the file should be → TURNSTORE_BACKEND_UNAVAILABLE (SQLITE_CANTOPEN)', () => {
    const error = assertThrowsTurnstore(() => new SqliteStore({ path: temp.path }), 'TURNSTORE_BACKEND_UNAVAILABLE', 'SQLITE_CANTOPEN');
    assert.equal((error.cause as { code?: string }).code, 'SQLITE_CANTOPEN');
  });
});
