import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { TurnstoreError, type Turn } from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../src/sqlite/schema.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { spawnOpeners } from './opener-process.js';

// A file of schema version 1, made by SqliteStore before turns had extras (test/fixtures), opened
// by today's code: upgraded in place to version 2, with every turn it held. The committed file is
// never opened itself (opening a WAL file writes beside it); each test works on a copy.

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const temp = tempDirForThisFile('turnstore-sqlite-migration-');
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/schema-v1.db', import.meta.url));
/** The turns the fixture holds, per id, in the order `list` gave them when it was made (most recent first). */
const EXPECTED = JSON.parse(readFileSync(new URL('../../../test/fixtures/schema-v1.expected.json', import.meta.url), 'utf8')) as Record<
  string,
  Turn[]
>;
const FIXTURE_SHA256 = sha256(FIXTURE);
// The fixture's turns are from 2026; a TTL would expire them depending on when the test runs.
const OPTIONS = { ttlSeconds: 0 };

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function copyOfFixture(): string {
  const path = temp.file('schema-v1.db');
  copyFileSync(FIXTURE, path);
  return path;
}

function withRaw<T>(path: string, work: (db: BetterSqlite3.Database) => T): T {
  const db = new Database(path);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

function userVersion(path: string): number {
  return withRaw(path, (db) => db.pragma('user_version', { simple: true }) as number);
}

function turnColumns(db: BetterSqlite3.Database): string[] {
  return (db.prepare("SELECT name FROM pragma_table_info('turns') ORDER BY cid").all() as Array<{ name: string }>).map((row) => row.name);
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const EXPECTED_TURNS = Object.values(EXPECTED).reduce((sum, turns) => sum + turns.length, 0);
const EXPECTED_BYTES = Object.values(EXPECTED)
  .flat()
  .reduce((sum, turn) => sum + utf8(turn.content), 0);

/** Asserts the store lists exactly the fixture's conversations, in its order, each with every turn exactly as it was. */
async function assertHoldsFixture(store: SqliteStore): Promise<void> {
  const page = await store.list({ limit: 100 });
  assert.deepEqual(
    page.items.map((item) => item.id),
    Object.keys(EXPECTED),
    'the same conversations, in the same recency order',
  );
  for (const item of page.items) {
    assert.deepEqual(item.turns, EXPECTED[item.id], `list: the turns of ${JSON.stringify(item.id)}`);
    for (const turn of item.turns) assert.deepEqual(Object.keys(turn), ['role', 'content', 'ts'], 'a version-1 turn is plain');
  }
}

describe('SqliteStore schema migration from version 1', () => {
  it('the fixture is a version-1 file holding the turns listed beside it', () => {
    const path = copyOfFixture();
    withRaw(path, (db) => {
      assert.equal(db.pragma('user_version', { simple: true }), 1);
      assert.deepEqual(turnColumns(db), ['conversation', 'seq', 'role', 'content', 'ts_ms', 'bytes']);
      assert.equal(db.prepare('SELECT count(*) FROM turns').pluck().get(), EXPECTED_TURNS);
    });
    assert.equal(EXPECTED_TURNS, 15);
  });

  it('opens a version-1 file, upgrades it to the current version in place, and finds every turn', async () => {
    const path = copyOfFixture();
    const store = new SqliteStore({ path, ...OPTIONS });
    try {
      assert.equal(SCHEMA_VERSION, 3);
      withRaw(path, (db) => {
        assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
        assert.deepEqual(turnColumns(db), ['conversation', 'seq', 'role', 'content', 'ts_ms', 'bytes', 'extras']);
        assert.equal(db.prepare('SELECT count(*) FROM turns WHERE extras IS NOT NULL').pluck().get(), 0, 'every version-1 turn is plain');
      });
      await assertHoldsFixture(store);
      assert.deepEqual(await store.stats(), {
        conversations: 3,
        turns: EXPECTED_TURNS,
        bytes: EXPECTED_BYTES,
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
      for (const [id, turns] of Object.entries(EXPECTED))
        assert.deepEqual(await store.get(id), turns, `get: the turns of ${JSON.stringify(id)}`);
    } finally {
      await store.close();
    }
    assert.equal(sha256(FIXTURE), FIXTURE_SHA256, 'the committed fixture is untouched');
  });

  it('an upgraded file takes turns with extras, counted in its bytes, kept across a reopen', async () => {
    const path = copyOfFixture();
    const extras = {
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' }],
      metadata: { model: 'gpt-test', usage: { input: 12, output: 3 } },
    };
    const first = new SqliteStore({ path, ...OPTIONS });
    try {
      await first.append('alpha', 'assistant', 'Checking the weather again.', extras);
      await first.appendMany('alpha', [{ role: 'tool', content: '{"temperature": 19}', toolCallId: 'call_1' }]);
    } finally {
      await first.close();
    }
    const second = new SqliteStore({ path, ...OPTIONS });
    try {
      const alpha = await second.get('alpha');
      assert.equal(alpha.length, EXPECTED.alpha!.length + 2);
      assert.deepEqual(alpha.slice(0, EXPECTED.alpha!.length), EXPECTED.alpha, 'the old turns are still there, first');
      const [call, result] = alpha.slice(EXPECTED.alpha!.length);
      assert.deepEqual(call, { role: 'assistant', content: 'Checking the weather again.', ts: call!.ts, ...extras });
      assert.deepEqual(result, { role: 'tool', content: '{"temperature": 19}', ts: result!.ts, toolCallId: 'call_1' });
      const added =
        utf8('Checking the weather again.') + utf8(JSON.stringify(extras)) + utf8('{"temperature": 19}') + utf8('{"toolCallId":"call_1"}');
      assert.deepEqual(await second.stats(), {
        conversations: 3,
        turns: EXPECTED_TURNS + 2,
        bytes: EXPECTED_BYTES + added,
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
    } finally {
      await second.close();
    }
    assert.equal(userVersion(path), SCHEMA_VERSION);
  });

  it('two stores opening the same version-1 file upgrade it once, and both see every turn', async () => {
    const path = copyOfFixture();
    const stores = [new SqliteStore({ path, ...OPTIONS }), new SqliteStore({ path, ...OPTIONS })];
    try {
      // A list before any write: the second store must not have changed what the first upgraded.
      for (const store of stores) await assertHoldsFixture(store);
      await stores[0]!.append('gamma', 'tool', '42', { toolCallId: 'call_9' });
      assert.deepEqual(
        (await stores[1]!.get('gamma')).map(({ ts: _ts, ...rest }) => rest),
        [{ role: 'tool', content: '42', toolCallId: 'call_9' }],
      );
      withRaw(path, (db) =>
        assert.deepEqual(
          turnColumns(db).filter((name) => name === 'extras'),
          ['extras'],
        ),
      );
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('several processes opening the same version-1 file at once upgrade it once and lose no turn', { timeout: 120_000 }, async () => {
    const path = copyOfFixture();
    const workers = 4;
    const exits = await spawnOpeners(path, workers);
    for (const [worker, exit] of exits.entries()) assert.equal(exit.code, 0, `opener ${worker} failed: ${exit.stderr}`);
    assert.equal(userVersion(path), SCHEMA_VERSION);
    const store = new SqliteStore({ path, ...OPTIONS });
    try {
      for (const [id, turns] of Object.entries(EXPECTED))
        assert.deepEqual(await store.get(id), turns, `the turns of ${JSON.stringify(id)}`);
      for (let worker = 0; worker < workers; worker++) {
        const turns = await store.get(`opener-${worker}`);
        assert.deepEqual(
          turns.map(({ ts: _ts, ...rest }) => rest),
          [
            {
              role: 'assistant',
              content: `from opener ${worker}`,
              toolCalls: [{ id: `call-${worker}`, name: 'get_weather', arguments: '{"city":"Paris"}' }],
            },
          ],
        );
      }
      const stats = await store.stats();
      assert.equal(stats.conversations, 3 + workers);
      assert.equal(stats.turns, EXPECTED_TURNS + workers);
    } finally {
      await store.close();
    }
  });

  it('a migration that fails part way leaves the file at version 1, as it was', () => {
    const path = copyOfFixture();
    const failing = [
      MIGRATIONS[0]!,
      (db: BetterSqlite3.Database) => {
        MIGRATIONS[1]!(db);
        throw new Error('the disk filled up');
      },
    ];
    withRaw(path, (db) => assert.throws(() => migrate(db, path, failing), /the disk filled up/));
    withRaw(path, (db) => {
      assert.equal(db.pragma('user_version', { simple: true }), 1);
      assert.deepEqual(turnColumns(db), ['conversation', 'seq', 'role', 'content', 'ts_ms', 'bytes'], 'the new column was rolled back');
      assert.equal(db.prepare('SELECT count(*) FROM turns').pluck().get(), EXPECTED_TURNS);
    });
  });

  it('an upgraded file is refused by code that knows only version 1, which leaves it alone', async () => {
    const path = copyOfFixture();
    await new SqliteStore({ path, ...OPTIONS }).close();
    withRaw(path, (db) => {
      assert.throws(
        () => migrate(db, path, MIGRATIONS.slice(0, 1)),
        (error: unknown) => {
          assert.ok(error instanceof TurnstoreError);
          assert.equal(error.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
          assert.match(error.message, /schema version 3, newer than this turnstore understands \(1\)/);
          return true;
        },
      );
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    });
  });
});

function conversationColumns(db: BetterSqlite3.Database): string[] {
  return (db.prepare("SELECT name FROM pragma_table_info('conversations') ORDER BY cid").all() as Array<{ name: string }>).map(
    (row) => row.name,
  );
}

describe('SqliteStore schema migration from version 2 (summaries, decision 16)', () => {
  /** The fixture brought to version 2 as turnstore before summaries left it. */
  function versionTwoFile(): string {
    const path = copyOfFixture();
    withRaw(path, (db) => migrate(db, path, MIGRATIONS.slice(0, 2)));
    assert.equal(userVersion(path), 2);
    return path;
  }

  it('opens a version-2 file, adds the summary columns in place, and reads every conversation as before, without a summary', async () => {
    const path = versionTwoFile();
    const store = new SqliteStore({ path, ...OPTIONS });
    try {
      withRaw(path, (db) => {
        assert.equal(db.pragma('user_version', { simple: true }), 3);
        assert.deepEqual(conversationColumns(db), [
          'key',
          'id',
          'touch_order',
          'last_access_ms',
          'next_seq',
          'summary',
          'summary_ts_ms',
          'summary_bytes',
        ]);
      });
      await assertHoldsFixture(store);
      assert.deepEqual(await store.stats(), {
        conversations: 3,
        turns: EXPECTED_TURNS,
        bytes: EXPECTED_BYTES,
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
    } finally {
      await store.close();
    }
  });

  it('an upgraded file takes a summary, counted in its bytes, kept across a reopen, and removed with its conversation', async () => {
    const path = versionTwoFile();
    const id = Object.keys(EXPECTED)[0]!;
    const expected = EXPECTED[id]!;
    const first = new SqliteStore({ path, ...OPTIONS });
    try {
      const seen = await first.get(id);
      await first.compact(id, { summary: 'the gist', through: seen[0]!, seen });
    } finally {
      await first.close();
    }
    const second = new SqliteStore({ path, ...OPTIONS });
    try {
      const turns = await second.get(id);
      assert.deepEqual(
        { role: turns[0]!.role, content: turns[0]!.content, summary: turns[0]!.summary },
        { role: 'system', content: 'the gist', summary: true },
      );
      assert.deepEqual(turns.slice(1), expected.slice(1), 'the turns after the one compacted are kept');
      const bytes = EXPECTED_BYTES - utf8(expected[0]!.content) + utf8('the gist');
      assert.deepEqual((await second.stats()).bytes, bytes);
      assert.equal(await second.delete(id), true);
      assert.deepEqual(
        (await second.stats()).bytes,
        bytes - utf8('the gist') - expected.slice(1).reduce((sum, turn) => sum + utf8(turn.content), 0),
      );
    } finally {
      await second.close();
    }
  });
});
