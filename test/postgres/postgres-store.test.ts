import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.js';
import type { PostgresPoolLike, PostgresQueryConfig } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { withServerAndPool } from '../support/postgres-pool.js';

const HOSTILE = [
  "'; DROP TABLE turnstore_turns; --",
  '$1',
  '$1::text',
  '"; DROP SCHEMA public CASCADE; --',
  "E'\\\\x00'",
  '😀 ünïcødé 👩‍👩‍👧',
  '\\',
  "O'Brien",
  '\u0001starts with U+0001',
  'nul \u0000 inside',
];

describe('PostgresStore on its own server', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  let pool: pg.Pool;
  withServerAndPool((started, opened) => {
    server = started;
    pool = opened;
  });

  it('hostile ids and contents are data: stored and read back as given, and every table is still there', async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'turnstore_', maxTurns: 100, maxConversations: 100 });
    try {
      for (const text of HOSTILE) await store.append(text, 'user', text, { metadata: { text } });
      for (const text of HOSTILE) {
        const turns = await store.get(text);
        assert.deepEqual(
          turns.map((turn) => [turn.content, turn.metadata?.text]),
          [[text, text]],
          JSON.stringify(text),
        );
      }
      const listed = new Set<string>();
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await store.list(cursor === undefined ? { limit: 3 } : { limit: 3, cursor });
        for (const item of page.items) listed.add(item.id);
        cursor = page.cursor;
      }
      assert.deepEqual([...listed].sort(), [...HOSTILE].sort());
      assert.equal(await store.delete("'; DROP TABLE turnstore_turns; --"), true);
      assert.equal(server.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'turnstore\\_%'"), '5');
      assert.equal(server.sql('SELECT count(*) FROM turnstore_conversations'), String(HOSTILE.length - 1));
      // Extras are kept as the very text the core made, keys in their order (text, not jsonb).
      await store.append('order', 'assistant', '', {
        toolCalls: [{ id: 'c', name: 'f', arguments: '{"z":1,"a":2}' }],
        metadata: { z: 1, a: 2 },
      });
      assert.equal(
        server.sql("SELECT t.extras FROM turnstore_turns t JOIN turnstore_conversations c ON c.key = t.conversation WHERE c.id = 'order'"),
        '{"toolCalls":[{"id":"c","name":"f","arguments":"{\\"z\\":1,\\"a\\":2}"}],"metadata":{"z":1,"a":2}}',
      );
    } finally {
      await store.clear();
      await store.close();
    }
  });

  it('two table prefixes and two schemas never see each other, and clear() empties only its own', async () => {
    const stores = [
      new PostgresStore({ pool, tablePrefix: 'left_' }),
      new PostgresStore({ pool, tablePrefix: 'right_' }),
      new PostgresStore({ pool, schema: 'tenant_a', tablePrefix: 'left_' }),
      new PostgresStore({ pool, schema: 'tenant_b' }),
    ];
    try {
      for (const [index, store] of stores.entries()) {
        await store.append('same id', 'user', `store ${index}`);
        await store.append(`own ${index}`, 'user', `store ${index}`);
      }
      for (const [index, store] of stores.entries()) {
        assert.deepEqual(
          (await store.get('same id')).map((turn) => turn.content),
          [`store ${index}`],
        );
        assert.equal(await store.size(), 2);
        assert.deepEqual((await store.list()).items.map((item) => item.id).sort(), [`own ${index}`, 'same id']);
      }
      await stores[0]!.clear();
      assert.equal(await stores[0]!.size(), 0);
      for (const store of stores.slice(1)) assert.equal(await store.size(), 2, "untouched by another store's clear");
      await stores[2]!.clear();
      assert.equal(await stores[3]!.size(), 2);
      assert.equal(await stores[1]!.size(), 2);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('each call is one query on the pool, and close() leaves a pool that was passed in open', async () => {
    const queries: string[] = [];
    const counting: PostgresPoolLike = {
      query: (config: PostgresQueryConfig) => {
        queries.push(config.text);
        return pool.query(config as pg.QueryConfig) as never;
      },
      connect: () => pool.connect() as never,
    };
    const store = new PostgresStore({ pool: counting, tablePrefix: 'counted_', maxConversations: 2 });
    await store.size(); // creates the tables (through a client of its own)
    queries.length = 0;
    await store.append('a', 'user', 'one');
    await store.appendMany('b', [
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'three' },
    ]);
    await store.append('c', 'user', 'four'); // evicts a: still one call
    await store.get('b');
    await store.appendMany('b', [{ role: 'assistant', content: 'three, again' }], { replaceNewest: 1 });
    await store.pop('b');
    await store.appendMany('b', [], { replaceNewest: 1 });
    await store.list();
    await store.stats();
    await store.delete('c');
    await store.clear();
    assert.equal(queries.length, 11);
    assert.ok(
      queries.every((text) => /^SELECT (\* FROM )?"public"\."counted_[a-z]+"\(\$1(, \$\d+)*\)$/.test(text)),
      queries.join('\n'),
    );
    await store.close();
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool passed in is still open');
  });

  it('refuses the now option and bad names, naming the option', () => {
    const refused = (options: object, name: string) =>
      assert.throws(
        () => new PostgresStore(options as never),
        (error: Error & { code?: string }) => error.code === 'TURNSTORE_INVALID_OPTION' && error.message.includes(name),
      );
    refused({ pool, now: () => 0 }, 'now');
    refused({ pool, schema: 'a"b' }, 'schema');
    refused({ pool, tablePrefix: 'x; DROP' }, 'tablePrefix');
    refused({ pool, tablePrefix: '' }, 'tablePrefix');
    refused({ connectionString: 'redis://x' }, 'connectionString');
    refused({ pool, connectionString: server.url }, 'connectionString');
    refused({}, 'connectionString');
    refused({ pool, commandTimeoutMs: 0 }, 'commandTimeoutMs');
  });

  it('refuses tables of a newer schema version', async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'future_' });
    await store.size();
    server.sql('UPDATE future_schema_version SET version = 99');
    await store.close();
    const later = new PostgresStore({ pool, tablePrefix: 'future_' });
    await assert.rejects(
      later.size(),
      (error: Error & { code?: string }) => error.code === 'TURNSTORE_BACKEND_UNAVAILABLE' && error.message.includes('newer'),
    );
    await later.close();
  });
});
