/**
 * PostgresStore's write-combining: appends made while a batch is in flight (or in the same tick)
 * go to the server as one call of the `appends` function. Each call must still behave as if made
 * alone: the same tables, totals and evictions as one call at a time, a batch the server rolls
 * back costs only the failing call, and an outcome the store cannot know rejects the whole batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { TurnstoreError, type Role } from '../../src/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import type { PostgresPoolLike, PostgresQueryConfig } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { withServerAndPool } from '../support/postgres-pool.js';

const CAPS = { maxTurns: 3, maxConversations: 4, maxTurnBytes: 400, maxTotalBytes: 1500 } as const;
const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const ROLE_NAMES: readonly Role[] = ['user', 'assistant', 'system', 'tool'];

/** One append call: `turns` (role index, content length) to `id`, replacing its newest `replace`. */
interface Call {
  readonly id: string;
  readonly turns: ReadonlyArray<readonly [role: number, length: number]>;
  readonly replace: number;
}

const callArbitrary = fc.record({
  id: fc.constantFrom(...IDS),
  turns: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 390 })), { minLength: 1, maxLength: 4 }),
  replace: fc.integer({ min: 0, max: 3 }),
});

/** The content of the k-th turn of a sequence: its number, then `length` bytes in all. */
const contentOf = (k: number, length: number): string => `${k}:`.padEnd(length, 'x');

/**
 * Counts the calls of each batch a store sends (the length of the `appends` function's ids), and
 * passes every query on to `pool`.
 */
function countingPool(pool: pg.Pool): { pool: PostgresPoolLike; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    pool: {
      query: (config: PostgresQueryConfig) => {
        if (/_appends"\(/.test(config.text)) batches.push((config.values![0] as unknown[]).length);
        return pool.query(config as pg.QueryConfig) as never;
      },
      connect: () => pool.connect() as never,
    },
  };
}

describe('PostgresStore combining appends', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  let pool: pg.Pool;
  withServerAndPool((started, opened) => {
    server = started;
    pool = opened;
  });

  /** Empties a store's tables and resets its counts and recency order, as if new. */
  const reset = async (prefix: string): Promise<void> => {
    await pool.query(`TRUNCATE ${prefix}turns, ${prefix}conversations;
      UPDATE ${prefix}totals SET conversations = 0, turns = 0, bytes = 0, evicted_ttl = 0, evicted_lru = 0, evicted_bytes = 0;
      UPDATE ${prefix}totals_shards SET turns = 0, bytes = 0, quota = 0, cap_basis = 9223372036854775807;
      ALTER SEQUENCE ${prefix}touch_order RESTART`);
  };

  /**
   * What a store holds, without the numbers the database makes up (keys, touch orders, times):
   * conversations in recency order with their counts, every turn, and the totals. Checks on the
   * way that the totals (the totals row plus its shards) equal the data, that the caps hold, and
   * that no shard counts more bytes than its quota.
   */
  const snapshot = async (prefix: string, caps: { maxConversations: number; maxTotalBytes: number } = CAPS) => {
    const rows = async (text: string) => (await pool.query({ text, rowMode: 'array' })).rows as unknown[][];
    const conversations = await rows(`SELECT id, turns, bytes, next_seq FROM ${prefix}conversations ORDER BY touch_order`);
    const turns = await rows(
      `SELECT c.id, t.seq, t.role, t.content, t.extras, t.bytes FROM ${prefix}turns t JOIN ${prefix}conversations c ON c.key = t.conversation ORDER BY c.id, t.seq`,
    );
    const [totals] = await rows(
      `SELECT t.conversations::int, (t.turns + s.turns)::int, (t.bytes + s.bytes)::int, t.evicted_ttl::int, t.evicted_lru::int, t.evicted_bytes::int
        FROM ${prefix}totals t, (SELECT sum(turns) AS turns, sum(bytes) AS bytes FROM ${prefix}totals_shards) s`,
    );
    const [overQuota] = await rows(`SELECT count(*)::int FROM ${prefix}totals_shards WHERE bytes > quota`);
    assert.deepEqual(overQuota, [0], 'a shard over its quota');
    const [conversationCount, turnCount, byteCount] = totals as number[];
    assert.equal(conversationCount, conversations.length, 'totals: conversations');
    assert.equal(turnCount, turns.length, 'totals: turns');
    assert.equal(
      byteCount,
      turns.reduce((sum, turn) => sum + (turn[5] as number), 0),
      'totals: bytes',
    );
    assert.ok(conversationCount! <= caps.maxConversations && byteCount! <= caps.maxTotalBytes, 'caps');
    for (const [id, count] of conversations) {
      assert.ok((count as number) <= CAPS.maxTurns, `turn cap of ${String(id)}`);
      assert.equal(turns.filter((turn) => turn[0] === id).length, count, `turn count of ${String(id)}`);
    }
    return { conversations, turns, totals };
  };

  for (const existing of [false, true]) {
    it(`random call sequences leave identical tables, totals and evictions (in order) whether sent one by one or combined${existing ? ', on conversations that all exist (the common-case path)' : ''}`, async () => {
      const evictions: Record<'single' | 'combined', string[]> = { single: [], combined: [] };
      const counted = countingPool(pool);
      const options = (name: 'single' | 'combined') => ({
        pool: counted.pool,
        tablePrefix: `${name}_`,
        ...CAPS,
        // With every conversation there, the LRU cap cannot bite; the byte budget still may.
        ...(existing ? { maxConversations: IDS.length, maxTotalBytes: 4000 } : {}),
        onEvict: (id: string, reason: string) => evictions[name].push(`${reason} ${id}`),
      });
      const single = new PostgresStore(options('single'));
      const combined = new PostgresStore(options('combined'));
      await single.size();
      await combined.size();
      const turnsOf = (call: Call, first: number) =>
        call.turns.map(([role, length], k) => ({ role: ROLE_NAMES[role]!, content: contentOf(first + k, length) }));
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(callArbitrary, { minLength: 1, maxLength: 40 }), async (calls) => {
            await reset('single_');
            await reset('combined_');
            evictions.single.length = 0;
            evictions.combined.length = 0;
            if (existing) {
              for (const id of IDS) for (const store of [single, combined]) await store.append(id, 'user', `${id} first`);
            }
            const firsts = calls.map((_, i) => calls.slice(0, i).reduce((sum, call) => sum + call.turns.length, 0));
            for (const [i, call] of calls.entries())
              await single.appendMany(call.id, turnsOf(call, firsts[i]!), { replaceNewest: call.replace });
            counted.batches.length = 0;
            await Promise.all(
              calls.map((call, i) => combined.appendMany(call.id, turnsOf(call, firsts[i]!), { replaceNewest: call.replace })),
            );
            assert.deepEqual(counted.batches, [calls.length], 'all the calls went as one batch');
            const caps = existing ? { maxConversations: IDS.length, maxTotalBytes: 4000 } : CAPS;
            assert.deepEqual(await snapshot('combined_', caps), await snapshot('single_', caps));
            assert.deepEqual(evictions.combined, evictions.single);
          }),
          { numRuns: 30, seed: 20261204 },
        );
      } finally {
        await single.close();
        await combined.close();
      }
    });
  }

  it('a batch on conversations that exist, with no cap to enforce, writes one shard of the totals once and not the totals row; one that must evict writes the totals row once per call', async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'fast_', maxTurns: 3, maxConversations: 3 });
    try {
      for (const id of ['a', 'b', 'c']) await store.append(id, 'user', 'first');
      const updates = async (ids: string[]): Promise<{ totals: number; shards: number }> => {
        const client = await pool.connect();
        try {
          const counts = async () => {
            const rows = (
              await client.query(
                "SELECT relname, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname IN ('fast_totals', 'fast_totals_shards')",
              )
            ).rows as Array<{ relname: string; n_tup_upd: string }>;
            const of = (table: string) => Number(rows.find((row) => row.relname === table)?.n_tup_upd ?? 0);
            return { totals: of('fast_totals'), shards: of('fast_totals_shards') };
          };
          await client.query('BEGIN');
          // Counts this backend's updates not yet reported, earlier transactions' too: the difference is this call's.
          const before = await counts();
          await client.query({
            text: 'SELECT fast_appends($1, $2, $3, 3, 3, 67108864, 0, $4, $5, $6, $7)',
            values: [ids, ids.map(() => 1), ids.map(() => 0), ids.map(() => 0), ids.map(() => 'x'), ids.map(() => null), ids.map(() => 1)],
          });
          const after = await counts();
          await client.query('COMMIT');
          return { totals: after.totals - before.totals, shards: after.shards - before.shards };
        } finally {
          client.release();
        }
      };
      assert.deepEqual(await updates(['a', 'b', 'c', 'a', 'b', 'c']), { totals: 0, shards: 1 });
      // A new conversation over maxConversations: each call goes the exact way, evicting, after
      // folding every shard into the totals.
      const exact = await updates(['d', 'a', 'b', 'e']);
      assert.ok(exact.totals >= 4, `${exact.totals} updates of the totals row`);
      assert.equal(await store.size(), 3);
      assert.deepEqual(await store.stats(), {
        conversations: 3,
        turns: Number(server.sql('SELECT count(*) FROM fast_turns')),
        bytes: Number(server.sql('SELECT sum(bytes) FROM fast_turns')),
        evictions: { ttl: 0, lru: 4, bytes: 0 },
      });
    } finally {
      await store.close();
    }
  });

  it('a common-case batch does not wait for another connection’s batch that has not committed yet (each holds a shard of the totals, not the totals row)', async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'overlap_', commandTimeoutMs: 3000 });
    const holder = await pool.connect();
    try {
      for (const id of ['held', 'free']) await store.append(id, 'user', 'first');
      await holder.query('BEGIN');
      await holder.query({
        text: "SELECT overlap_appends(ARRAY['held'], ARRAY[1], ARRAY[0]::bigint[], 8, 10000, 67108864, 0, ARRAY[0]::smallint[], ARRAY['x'], ARRAY[NULL]::text[], ARRAY[1])",
      });
      // The holder's batch is in, not committed: it holds its conversation and one shard.
      const started = performance.now();
      await store.append('free', 'user', 'second');
      assert.ok(performance.now() - started < 2000, `the append waited ${Math.round(performance.now() - started)} ms`);
      await holder.query('COMMIT');
      assert.deepEqual(
        (await store.get('held')).map((turn) => turn.content),
        ['first', 'x'],
      );
      const stats = await store.stats();
      assert.deepEqual([stats.conversations, stats.turns, stats.bytes], [2, 4, 17]);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
      await store.close();
    }
  });

  it('the appends function with replace counts: one call per statement and all calls in one statement give the same tables and evictions', async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'sql_', ...CAPS });
    await store.size(); // creates the tables
    await store.close();
    const send = async (calls: readonly Call[], first: number): Promise<string[]> => {
      const roles: number[] = [];
      const contents: string[] = [];
      const bytes: number[] = [];
      let k = first;
      for (const call of calls)
        for (const [role, length] of call.turns.slice(-CAPS.maxTurns)) {
          roles.push(role);
          contents.push(contentOf(k++, length));
          bytes.push(length);
        }
      const result = await pool.query({
        text: 'SELECT sql_appends($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        values: [
          calls.map((call) => call.id),
          calls.map((call) => Math.min(call.turns.length, CAPS.maxTurns)),
          calls.map((call) => call.replace),
          CAPS.maxTurns,
          CAPS.maxConversations,
          CAPS.maxTotalBytes,
          0,
          roles,
          contents,
          roles.map(() => null),
          bytes,
        ],
        rowMode: 'array',
      });
      return (result.rows as string[][][]).flatMap((row) => row[0]!);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(callArbitrary, { minLength: 1, maxLength: 40 }), async (calls) => {
        await reset('sql_');
        const single: string[] = [];
        let first = 0;
        for (const call of calls) {
          single.push(...(await send([call], first)));
          first += Math.min(call.turns.length, CAPS.maxTurns);
        }
        const one = await snapshot('sql_');
        await reset('sql_');
        const combined = await send(calls, 0);
        assert.deepEqual(await snapshot('sql_'), one);
        assert.deepEqual(combined, single);
      }),
      { numRuns: 30, seed: 20261205 },
    );
    // And what replacing does: the newest turns go, then the new ones follow the kept ones.
    await reset('sql_');
    await send(
      [
        {
          id: 'r',
          turns: [
            [0, 10],
            [1, 11],
            [0, 12],
          ],
          replace: 0,
        },
      ],
      0,
    );
    await send([{ id: 'r', turns: [[1, 20]], replace: 2 }], 3);
    assert.equal(
      server.sql("SELECT string_agg(t.content, ',' ORDER BY t.seq) FROM sql_turns t"),
      `${contentOf(0, 10)},${contentOf(3, 20)}`,
    );
    assert.deepEqual((await snapshot('sql_')).conversations, [['r', 2, '30', '2']]);
  });

  it('replaceNewest calls join the batch of their tick in call order, and number the turns as pop and a plain append do', async () => {
    const counted = countingPool(pool);
    const store = new PostgresStore({ pool: counted.pool, tablePrefix: 'replacing_', maxTurns: 4 });
    const seqs = (id: string): string =>
      server.sql(
        `SELECT string_agg(t.seq::text, ',' ORDER BY t.seq) || ' next ' || c.next_seq FROM replacing_turns t JOIN replacing_conversations c ON c.key = t.conversation WHERE c.id = '${id}' GROUP BY c.next_seq`,
      );
    const contents = async (id: string): Promise<string[]> => (await store.get(id)).map((turn) => turn.content);
    try {
      for (const id of ['batched', 'popped']) {
        await store.appendMany(id, [
          { role: 'user', content: 'q1' },
          { role: 'assistant', content: 'a1 draft' },
        ]);
      }
      counted.batches.length = 0;
      await Promise.all([
        store.append('batched', 'assistant', 'a1 more'),
        store.appendMany('batched', [{ role: 'assistant', content: 'a1 final' }], { replaceNewest: 2 }),
        store.append('batched', 'user', 'q2'),
      ]);
      assert.deepEqual(counted.batches, [3], 'the replacement went in the same batch as the appends around it');
      assert.deepEqual(await contents('batched'), ['q1', 'a1 final', 'q2']);

      // The same history by the other path: pop (its own function), then plain appends.
      await store.append('popped', 'assistant', 'a1 more');
      await store.pop('popped');
      await store.appendMany('popped', [], { replaceNewest: 1 });
      await store.append('popped', 'assistant', 'a1 final');
      await store.append('popped', 'user', 'q2');
      assert.deepEqual(await contents('popped'), await contents('batched'));
      assert.equal(seqs('batched'), '0,1,2 next 3');
      assert.equal(seqs('popped'), seqs('batched'));

      // Numbered alike, both trim alike at maxTurns (4): the two oldest go.
      await Promise.all(
        ['batched', 'popped'].map((id) =>
          store.appendMany(id, [
            { role: 'assistant', content: 'a2' },
            { role: 'user', content: 'q3' },
          ]),
        ),
      );
      assert.deepEqual(await contents('batched'), ['a1 final', 'q2', 'a2', 'q3']);
      assert.deepEqual(await contents('popped'), await contents('batched'));
      assert.equal(seqs('popped'), seqs('batched'));
    } finally {
      await store.close();
    }
  });

  it('a batch the server rolls back is sent again call by call: every other call is stored, in order', async () => {
    const counted = countingPool(pool);
    const store = new PostgresStore({ pool: counted.pool, tablePrefix: 'poison_', maxTurns: 10 });
    await store.size();
    // The server refuses one turn: its call fails inside the batch, which rolls back whole.
    await pool.query(`CREATE FUNCTION poison_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER poison_refuse BEFORE INSERT ON poison_turns FOR EACH ROW EXECUTE FUNCTION poison_refuse()`);
    try {
      counted.batches.length = 0;
      const outcomes = await Promise.allSettled([
        store.append('one', 'user', 'one 1'),
        store.append('two', 'user', 'two 1'),
        store.append('one', 'user', 'one 2'),
        store.append('two', 'user', 'poison'),
        store.append('two', 'user', 'two 2'),
        store.appendMany('three', [
          { role: 'user', content: 'three 1' },
          { role: 'assistant', content: 'three 2' },
        ]),
      ]);
      assert.deepEqual(counted.batches, [6, 1, 1, 1, 1, 1, 1], 'one batch, then each call alone');
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const failure = (outcomes[3] as PromiseRejectedResult).reason as TurnstoreError;
      assert.equal(failure.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.match(failure.message, /refused/);
      const contents = async (id: string) => (await store.get(id)).map((turn) => turn.content);
      assert.deepEqual(await contents('one'), ['one 1', 'one 2']);
      assert.deepEqual(await contents('two'), ['two 1', 'two 2']);
      assert.deepEqual(await contents('three'), ['three 1', 'three 2']);
      assert.deepEqual(await store.stats(), { conversations: 3, turns: 6, bytes: 34, evictions: { ttl: 0, lru: 0, bytes: 0 } });
    } finally {
      await store.close();
    }
  });

  it('a batch whose outcome is unknown (no reply within commandTimeoutMs) rejects every call of it; a call queued behind it keeps its own bound', async () => {
    const bound = 400;
    const store = new PostgresStore({ connectionString: server.url, tablePrefix: 'stalled_', commandTimeoutMs: bound });
    const holder = await pool.connect();
    const codeOf = (call: Promise<void>) =>
      call.then(
        () => 'resolved',
        (error: TurnstoreError) => `${error.code}${/is unknown/.test(error.message) ? ', outcome unknown' : ''}`,
      );
    try {
      await store.append('held', 'user', 'first');
      // Another session holds the conversation's row lock: the batch waits for it.
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM stalled_conversations WHERE id = 'held' FOR UPDATE");
      const started = performance.now();
      const batch = Promise.all([codeOf(store.append('held', 'user', 'x')), codeOf(store.append('free', 'user', 'y'))]);
      await new Promise((resolve) => setTimeout(resolve, bound / 2));
      // Made while the first batch waits: it waits for that one, then for the lock in a batch of
      // its own, and is refused within its own bound all the same.
      const queuedAt = performance.now();
      const queued = codeOf(store.append('held', 'user', 'z'));
      const unknown = 'TURNSTORE_BACKEND_UNAVAILABLE, outcome unknown';
      // The store's timer and the server's statement_timeout (the same bound) race: either way
      // both calls reject with the documented code.
      assert.deepEqual(
        (await batch).map((outcome) => outcome.split(',')[0]),
        ['TURNSTORE_BACKEND_UNAVAILABLE', 'TURNSTORE_BACKEND_UNAVAILABLE'],
      );
      assert.ok(performance.now() - started < bound + 500, `the batch failed after ${Math.round(performance.now() - started)} ms`);
      assert.equal(await queued, unknown);
      assert.ok(performance.now() - queuedAt < bound + 500, `the queued call failed after ${Math.round(performance.now() - queuedAt)} ms`);
      // The statement timeout (the same bound) cancels both on the server.
      await new Promise((resolve) => setTimeout(resolve, bound * 2));
      await holder.query('ROLLBACK');
      await store.append('free', 'user', 'after');
      assert.deepEqual(
        (await store.get('held')).map((turn) => turn.content),
        ['first'],
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
      await store.close();
    }
  });

  it("get's touch commits without waiting for the WAL flush (synchronous_commit off in its transaction)", async () => {
    const store = new PostgresStore({ pool, tablePrefix: 'touch_' });
    try {
      await store.append('a', 'user', 'hello');
      const client = await pool.connect();
      try {
        // The test server runs with synchronous_commit off; this session runs with it on.
        await client.query('SET synchronous_commit = on');
        await client.query('BEGIN');
        await client.query("SELECT * FROM touch_get('a', 0)");
        assert.equal((await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit, 'off');
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        await client.query(
          "SELECT touch_appends(ARRAY['a'], ARRAY[1], ARRAY[0], 8, 500, 1000000, 0, ARRAY[0]::smallint[], ARRAY['x'], ARRAY[NULL]::text[], ARRAY[1])",
        );
        assert.equal((await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit, 'on', 'appends commit durably');
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    } finally {
      await store.close();
    }
  });

  it('appends (alone and combined) and get on conversations that exist never scan the conversations or turns table, even under a generic plan (one index probe asks whether any has expired)', async () => {
    // plpgsql caches a generic plan after a few calls; this session is forced to use it at once.
    const generic = new pg.Pool({ connectionString: server.url, max: 1, options: '-c plan_cache_mode=force_generic_plan' });
    generic.on('error', () => {});
    const store = new PostgresStore({ pool: generic, tablePrefix: 'plan_', maxTurns: 4, maxConversations: 10_000, ttlSeconds: 3600 });
    try {
      // Enough conversations that a scan of their table costs more than an index probe (calls made
      // at once are combined into a few batches).
      const ids = Array.from({ length: 5000 }, (_, i) => `c${i}`);
      await Promise.all(ids.map((id) => store.appendMany(id, [{ role: 'user', content: `hello ${id}` }])));
      server.sql('ANALYZE plan_conversations');
      server.sql('ANALYZE plan_turns');
      const seqScans = async (): Promise<string> => {
        await generic.query('SELECT pg_stat_force_next_flush()');
        return server.sql(
          "SELECT string_agg(relname || ' ' || seq_scan, ', ' ORDER BY relname) FROM pg_stat_user_tables WHERE relname IN ('plan_conversations', 'plan_turns')",
        );
      };
      const before = await seqScans();
      for (let i = 0; i < 20; i++) {
        await store.append(ids[i]!, 'assistant', `reply ${i}`);
        assert.equal((await store.get(ids[i]!)).length, 2);
      }
      assert.equal(await seqScans(), before, 'sequential scans during 20 appends and 20 gets');
      // Batches of 16 calls (one conversation twice in each), trimming at maxTurns.
      for (let batch = 0; batch < 5; batch++) {
        const some = ids.slice(100 + batch * 15, 100 + batch * 15 + 15);
        await Promise.all(
          [...some, some[0]!].map((id) =>
            store.appendMany(id, [
              { role: 'user', content: 'q' },
              { role: 'assistant', content: 'a' },
            ]),
          ),
        );
      }
      assert.equal(await seqScans(), before, 'sequential scans during 5 batches of 16 appends');
      assert.deepEqual(
        (await store.get(ids[100]!)).map((turn) => turn.content),
        [`hello ${ids[100]}`, 'q', 'a', 'q', 'a'].slice(-4),
      );
    } finally {
      await store.close();
      await generic.end();
    }
  });
});
