import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.js';
import { migrate, SCHEMA_VERSION } from '../../src/postgres/schema.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { withServerAndPool } from '../support/postgres-pool.js';

/** Version 1 as turnstore created it, for schema "public" and the prefix below (see the file's header). */
const VERSION_1 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v1.sql', import.meta.url)), 'utf8');
/** Version 2 as turnstore created it (versions 1 and 2 in one file), for the same schema and prefix. */
const VERSION_2 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v2.sql', import.meta.url)), 'utf8');
/** Version 3 as turnstore created it (versions 1 to 3 in one file), for the same schema and prefix. */
const VERSION_3 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v3.sql', import.meta.url)), 'utf8');
/** Version 4 as turnstore created it (versions 1 to 4 in one file), for the same schema and prefix. */
const VERSION_4 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v4.sql', import.meta.url)), 'utf8');
/** Version 5 as turnstore created it (versions 1 to 5 in one file), for the same schema and prefix. */
const VERSION_5 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v5.sql', import.meta.url)), 'utf8');
const PREFIX = 'upgrade_';

describe('PostgresStore upgrading tables of an older turnstore', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  let pool: pg.Pool;
  withServerAndPool((started, opened) => {
    server = started;
    pool = opened;
  });

  it('version 1 → current: turns written by the version-1 append are kept, the old append is gone, appends, pop and replaceNewest work', async () => {
    // A version-1 database with a conversation written by version 1's own append function.
    await migrate(pool, 'public', PREFIX, [() => VERSION_1]);
    assert.equal(server.sql(`SELECT version FROM ${PREFIX}schema_version`), '1');
    server.sql(
      `SELECT ${PREFIX}append('old', 8, 500, 67108864, 3600000, ARRAY[0, 1]::smallint[], ARRAY['question', 'answer'], ARRAY[NULL, NULL]::text[], ARRAY[8, 6])`,
    );

    const store = new PostgresStore({ pool, tablePrefix: PREFIX });
    try {
      assert.deepEqual(
        (await store.get('old')).map((turn) => [turn.role, turn.content]),
        [
          ['user', 'question'],
          ['assistant', 'answer'],
        ],
      );
      assert.equal(server.sql(`SELECT version FROM ${PREFIX}schema_version`), String(SCHEMA_VERSION));
      assert.ok(SCHEMA_VERSION >= 2);
      assert.equal(
        server.sql(`SELECT count(*) FROM pg_proc WHERE proname = '${PREFIX}append'`),
        '0',
        'version 1’s append, without the replace count, was dropped: every append goes through appends',
      );
      assert.equal(server.sql(`SELECT count(*) FROM pg_proc WHERE proname IN ('${PREFIX}appends', '${PREFIX}pop')`), '2');
      assert.match(server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${PREFIX}get'`), /synchronous_commit = off/, 'get replaced');
      assert.match(
        server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${PREFIX}clear'`),
        /ORDER BY c\.id FOR UPDATE/,
        'clear replaced',
      );
      await store.appendMany('old', [{ role: 'assistant', content: 'better answer' }], { replaceNewest: 1 });
      // The turn written by version 1 and the replacement are numbered without a gap.
      assert.equal(
        server.sql(
          `SELECT string_agg(t.seq::text, ',' ORDER BY t.seq) || ' next ' || c.next_seq FROM ${PREFIX}turns t JOIN ${PREFIX}conversations c ON c.key = t.conversation WHERE c.id = 'old' GROUP BY c.next_seq`,
        ),
        '0,1 next 2',
      );
      assert.equal((await store.pop('old'))?.content, 'better answer');
      assert.deepEqual(
        (await store.get('old')).map((turn) => turn.content),
        ['question'],
      );
      const stats = await store.stats();
      assert.deepEqual(
        { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
        { conversations: 1, turns: 1, bytes: 8 },
      );
    } finally {
      await store.close();
    }
  });
  it('version 2 → current: the totals shards (version 3) are added, the counts stay exact, and the first append after the upgrade goes the exact way', async () => {
    // A version-2 database (a fresh prefix: the test above used upgrade_) with conversations
    // written by version 2's own appends function.
    const prefix = 'upgrade2_';
    await migrate(pool, 'public', prefix, [() => VERSION_2.replaceAll('"upgrade_', `"${prefix}`), () => 'SELECT 1']);
    assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '2');
    server.sql(
      `SELECT ${prefix}appends(ARRAY['a', 'b', 'a'], ARRAY[2, 1, 1], ARRAY[0, 0, 0]::bigint[], 8, 500, 67108864, 3600000, ARRAY[0, 1, 0, 1]::smallint[], ARRAY['question', 'answer', 'hi', 'again'], ARRAY[NULL, NULL, NULL, NULL]::text[], ARRAY[8, 6, 2, 5])`,
    );

    const store = new PostgresStore({ pool, tablePrefix: prefix, maxTotalBytes: 1000, maxTurnBytes: 100 });
    try {
      assert.deepEqual(await store.stats(), { conversations: 2, turns: 4, bytes: 21, evictions: { ttl: 0, lru: 0, bytes: 0 } });
      assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), String(SCHEMA_VERSION));
      assert.equal(server.sql(`SELECT count(*) || ' ' || sum(turns + bytes + quota) FROM ${prefix}totals_shards`), '32 0');
      // No room shared out yet: the first append is exact, and shares out the room under its budget.
      await store.append('a', 'user', 'one more');
      assert.equal(server.sql(`SELECT turns || ' ' || bytes FROM ${prefix}totals`), '5 29');
      assert.equal(
        server.sql(`SELECT DISTINCT cap_basis || ' ' || quota FROM ${prefix}totals_shards`),
        `1000 ${Math.floor((1000 - 29) / 32)}`,
      );
      // The next one, on a conversation that exists, counts in a shard.
      await store.append('b', 'assistant', 'sure');
      assert.equal(server.sql(`SELECT turns || ' ' || bytes FROM ${prefix}totals`), '5 29');
      assert.equal(server.sql(`SELECT sum(turns) || ' ' || sum(bytes) FROM ${prefix}totals_shards`), '1 4');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['question', 'answer', 'again', 'one more'],
      );
      assert.deepEqual(await store.stats(), { conversations: 2, turns: 6, bytes: 33, evictions: { ttl: 0, lru: 0, bytes: 0 } });
    } finally {
      await store.close();
    }
  });

  it('version 3 → 4: conversations read as before, without a summary; compact folds the shards, sets a summary that counts in bytes and outlives the store', async () => {
    // A version-3 database with a conversation written by version 3's own appends function.
    const prefix = 'upgrade3_';
    await migrate(pool, 'public', prefix, [() => VERSION_3.replaceAll('"upgrade_', `"${prefix}`), () => 'SELECT 1', () => 'SELECT 1']);
    assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '3');
    server.sql(
      `SELECT ${prefix}appends(ARRAY['old'], ARRAY[3], ARRAY[0]::bigint[], 8, 500, 1000, 3600000, ARRAY[0, 1, 0]::smallint[], ARRAY['question', 'answer', 'again'], ARRAY[NULL, NULL, NULL]::text[], ARRAY[8, 6, 5])`,
    );
    server.sql(
      `SELECT ${prefix}appends(ARRAY['old'], ARRAY[1], ARRAY[0]::bigint[], 8, 500, 1000, 3600000, ARRAY[1]::smallint[], ARRAY['sure'], ARRAY[NULL]::text[], ARRAY[4])`,
    );
    assert.equal(
      server.sql(`SELECT sum(turns) || ' ' || sum(bytes) FROM ${prefix}totals_shards`),
      '1 4',
      'version 3 counted the second append in a shard',
    );
    const first = new PostgresStore({ pool, tablePrefix: prefix, maxTotalBytes: 1000, maxTurnBytes: 100 });
    try {
      const seen = await first.get('old');
      assert.deepEqual(
        seen.map((turn) => Object.keys(turn)),
        [
          ['role', 'content', 'ts'],
          ['role', 'content', 'ts'],
          ['role', 'content', 'ts'],
          ['role', 'content', 'ts'],
        ],
        'plain turns, no summary',
      );
      assert.ok(SCHEMA_VERSION >= 4);
      assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), String(SCHEMA_VERSION));
      await first.compact('old', { summary: 'asked, answered', through: seen[1]!, seen });
      // The summary added bytes: the shards were folded into the totals and their room shared out again.
      assert.equal(server.sql(`SELECT turns || ' ' || bytes FROM ${prefix}totals`), `2 ${Buffer.byteLength('asked, answered') + 5 + 4}`);
      assert.equal(
        server.sql(
          `SELECT sum(turns) || ' ' || sum(bytes) || ' ' || min(quota) || ' ' || max(quota) || ' ' || max(cap_basis) FROM ${prefix}totals_shards`,
        ),
        `0 0 ${Math.floor((1000 - 24) / 32)} ${Math.floor((1000 - 24) / 32)} 1000`,
      );
    } finally {
      await first.close();
    }
    const second = new PostgresStore({ pool, tablePrefix: prefix });
    try {
      const turns = await second.get('old');
      assert.deepEqual(
        turns.map((turn) => [turn.role, turn.content, turn.summary ?? false]),
        [
          ['system', 'asked, answered', true],
          ['user', 'again', false],
          ['assistant', 'sure', false],
        ],
      );
      const stats = await second.stats();
      assert.deepEqual(
        { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
        { conversations: 1, turns: 2, bytes: Buffer.byteLength('asked, answered') + 5 + 4 },
      );
      assert.equal(await second.delete('old'), true);
      assert.equal((await second.stats()).bytes, 0, 'the summary’s bytes went with its conversation');
    } finally {
      await second.close();
    }
  });

  it('version 4 → current: a summary and turns read as before; the functions are replaced by ones that probe for expiries and touch in one statement, and expiry still works', async () => {
    const prefix = 'upgrade4_';
    await migrate(pool, 'public', prefix, [
      () => VERSION_4.replaceAll('"upgrade_', `"${prefix}`),
      () => 'SELECT 1',
      () => 'SELECT 1',
      () => 'SELECT 1',
    ]);
    assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '4');
    // Written by version 4's own functions: three turns, the first two folded into a summary.
    server.sql(
      `SELECT ${prefix}appends(ARRAY['old'], ARRAY[3], ARRAY[0]::bigint[], 8, 500, 100000, 3600000, ARRAY[0, 1, 0]::smallint[], ARRAY['question', 'answer', 'again'], ARRAY[NULL, NULL, NULL]::text[], ARRAY[8, 6, 5])`,
    );
    const ts = server.sql(`SELECT string_agg(ts_ms::text, ',' ORDER BY seq) FROM ${prefix}turns`).split(',').map(Number);
    assert.equal(
      server.sql(
        `SELECT ${prefix}compact('old', 500, 100000, 3600000, NULL, NULL, ARRAY[0, 1]::smallint[], ARRAY['question', 'answer'], ARRAY[NULL, NULL]::text[], ARRAY[${ts[0]}, ${ts[1]}]::bigint[], 'asked, answered', 15)`,
      ),
      '{""}',
      'version 4 compacted',
    );
    assert.doesNotMatch(server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${prefix}appends'`), /min\(o\.last_access_ms\)/);
    const store = new PostgresStore({ pool, tablePrefix: prefix, maxTotalBytes: 100000, ttlSeconds: 1 });
    try {
      assert.deepEqual(
        (await store.get('old')).map((turn) => [turn.role, turn.content, turn.summary ?? false]),
        [
          ['system', 'asked, answered', true],
          ['user', 'again', false],
        ],
      );
      assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), String(SCHEMA_VERSION));
      for (const name of ['get', 'pop', 'delete', 'size', 'stats', 'sweep', 'list', 'appends', 'compact'])
        assert.match(
          server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${prefix}${name}'`),
          /min\(o\.last_access_ms\)/,
          `${name} replaced`,
        );
      assert.match(
        server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${prefix}get'`),
        /RETURNING c\.key/,
        'get touches in one statement',
      );
      await store.append('old', 'assistant', 'sure');
      assert.deepEqual(
        (await store.get('old')).map((turn) => turn.content),
        ['asked, answered', 'again', 'sure'],
      );
      // Idle past the TTL: gone, counted as an expiry, the summary's bytes with it.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.deepEqual(await store.get('old'), []);
      assert.deepEqual(await store.stats(), { conversations: 0, turns: 0, bytes: 0, evictions: { ttl: 1, lru: 0, bytes: 0 } });
    } finally {
      await store.close();
    }
  });
  it('version 5 → 6: appends on conversations that exist are written by one statement, as the loop wrote them; new conversations, expiry and caps as before', async () => {
    const prefix = 'upgrade5_';
    await migrate(pool, 'public', prefix, [
      () => VERSION_5.replaceAll('"upgrade_', `"${prefix}`),
      () => 'SELECT 1',
      () => 'SELECT 1',
      () => 'SELECT 1',
      () => 'SELECT 1',
    ]);
    assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '5');
    // Written by version 5's own functions: one conversation of three turns.
    server.sql(
      `SELECT ${prefix}appends(ARRAY['old'], ARRAY[3], ARRAY[0]::bigint[], 4, 3, 100000, 3600000, ARRAY[0, 1, 0]::smallint[], ARRAY['question', 'answer', 'again'], ARRAY[NULL, NULL, NULL]::text[], ARRAY[8, 6, 5])`,
    );
    assert.doesNotMatch(server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${prefix}appends'`), /WITH calls AS/);
    const store = new PostgresStore({ pool, tablePrefix: prefix, maxTurns: 4, maxConversations: 3, maxTotalBytes: 100000, ttlSeconds: 1 });
    try {
      assert.equal(await store.size(), 1);
      assert.equal(SCHEMA_VERSION, 6);
      assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '6');
      assert.match(server.sql(`SELECT prosrc FROM pg_proc WHERE proname = '${prefix}appends'`), /WITH calls AS/, 'appends replaced');
      // Three calls at once, two on 'old' (one statement), trimmed to 4 turns.
      await Promise.all([
        store.append('old', 'assistant', 'one'),
        store.appendMany('old', [
          { role: 'user', content: 'two' },
          { role: 'assistant', content: 'three' },
        ]),
      ]);
      assert.deepEqual(
        (await store.get('old')).map((turn) => turn.content),
        ['again', 'one', 'two', 'three'],
      );
      assert.deepEqual(await store.stats(), {
        conversations: 1,
        turns: 4,
        bytes: Buffer.byteLength('againonetwothree'),
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
      // New conversations past maxConversations: the least recently used ('old') goes.
      for (const id of ['a', 'b', 'c']) await store.append(id, 'user', id);
      assert.deepEqual(await store.get('old'), []);
      assert.equal((await store.stats()).evictions.lru, 1);
      // Idle past the TTL: gone, counted as expiries.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(await store.size(), 0);
      assert.equal((await store.stats()).evictions.ttl, 3);
    } finally {
      await store.close();
    }
  });
});
