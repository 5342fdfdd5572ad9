import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.js';
import { migrate, SCHEMA_VERSION } from '../../src/postgres/schema.js';
import { MIGRATIONS } from '../../src/postgres/sql-functions.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { withServerAndPool } from '../support/postgres-pool.js';

/** Version 1 as turnstore created it, for schema "public" and the prefix below (see the file's header). */
const VERSION_1 = readFileSync(fileURLToPath(new URL('../../../test/fixtures/postgres-schema-v1.sql', import.meta.url)), 'utf8');
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
      assert.equal(SCHEMA_VERSION, 3);
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

  it('version 2 → 3: conversations read as before, without a summary; compact sets one that counts in bytes and outlives the store', async () => {
    const prefix = 'upgrade_v2_';
    await migrate(pool, 'public', prefix, MIGRATIONS.slice(0, 2));
    assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '2');
    server.sql(
      `SELECT ${prefix}appends(ARRAY['old'], ARRAY[3], ARRAY[0]::bigint[], 8, 500, 67108864, 3600000, ARRAY[0, 1, 0]::smallint[], ARRAY['question', 'answer', 'again'], ARRAY[NULL, NULL, NULL]::text[], ARRAY[8, 6, 5])`,
    );
    const first = new PostgresStore({ pool, tablePrefix: prefix });
    try {
      const seen = await first.get('old');
      assert.deepEqual(
        seen.map((turn) => Object.keys(turn)),
        [
          ['role', 'content', 'ts'],
          ['role', 'content', 'ts'],
          ['role', 'content', 'ts'],
        ],
        'plain turns, no summary',
      );
      assert.equal(server.sql(`SELECT version FROM ${prefix}schema_version`), '3');
      await first.compact('old', { summary: 'asked, answered', through: seen[1]!, seen });
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
        ],
      );
      const stats = await second.stats();
      assert.deepEqual(
        { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
        { conversations: 1, turns: 1, bytes: Buffer.byteLength('asked, answered') + 5 },
      );
      assert.equal(await second.delete('old'), true);
      assert.equal((await second.stats()).bytes, 0, 'the summary’s bytes went with its conversation');
    } finally {
      await second.close();
    }
  });
});
