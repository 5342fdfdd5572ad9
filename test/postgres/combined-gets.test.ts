/**
 * PostgresStore combines gets as it combines appends: gets made while a batch of them is in flight
 * (or in the same tick) go to the server as one call of the `gets` function (schema version 5).
 * Each get must still behave as if made alone, in the order made: its own turns, its touch, the
 * expiries it finds; a batch the server rolls back costs only the failing call; and batches from
 * several stores never deadlock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { TurnstoreError, type EvictionReason } from '../../src/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import type { PostgresPoolLike, PostgresQueryConfig } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { withServerAndPool } from '../support/postgres-pool.js';

/** Counts the calls of each `gets` batch a store sends (single gets go to `get`), and passes every query on. */
function countingGets(pool: pg.Pool): { pool: PostgresPoolLike; batches: number[]; singles: () => number } {
  const batches: number[] = [];
  let singles = 0;
  return {
    batches,
    singles: () => singles,
    pool: {
      query: (config: PostgresQueryConfig) => {
        if (/_gets"\(/.test(config.text)) batches.push((config.values![0] as unknown[]).length);
        else if (/_get"\(/.test(config.text)) singles++;
        return pool.query(config as pg.QueryConfig) as never;
      },
      connect: () => pool.connect() as never,
    },
  };
}

const contents = (turns: ReadonlyArray<{ content: string }>): string[] => turns.map((turn) => turn.content);

describe('PostgresStore combining gets', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  let pool: pg.Pool;
  withServerAndPool((started, opened) => {
    server = started;
    pool = opened;
  });

  it('gets made at once go as one call; each returns its own turns, and their touches land in the order made', async () => {
    const counted = countingGets(pool);
    const store = new PostgresStore({ pool: counted.pool, tablePrefix: 'gets_order_' });
    try {
      for (const id of ['a', 'b', 'c', 'd', 'e'])
        await store.appendMany(id, [
          { role: 'user', content: `${id}1` },
          { role: 'assistant', content: `${id}2` },
        ]);
      const singlesBefore = counted.singles();
      const results = await Promise.all([store.get('c'), store.get('a'), store.get('unknown'), store.get('e'), store.get('a')]);
      assert.deepEqual(counted.batches, [5], 'one call of gets for the five');
      assert.equal(counted.singles(), singlesBefore, 'no get went alone');
      assert.deepEqual(results.map(contents), [['c1', 'c2'], ['a1', 'a2'], [], ['e1', 'e2'], ['a1', 'a2']]);
      // Appended a to e, then touched c, a, e, a: most recent first, as five gets one at a time would leave it.
      assert.deepEqual(
        (await store.list()).items.map((item) => item.id),
        ['a', 'e', 'c', 'd', 'b'],
      );
      assert.equal(await store.size(), 5, 'an unknown id created nothing');
      // One get alone still goes to get.
      assert.deepEqual(contents(await store.get('b')), ['b1', 'b2']);
      assert.equal(counted.singles(), singlesBefore + 1);
    } finally {
      await store.close();
    }
  });

  it('a batch of gets expires each idle conversation once, reports it once, and reads an expired id as empty', async () => {
    const evicted: Array<[string, EvictionReason]> = [];
    const counted = countingGets(pool);
    const store = new PostgresStore({
      pool: counted.pool,
      tablePrefix: 'gets_ttl_',
      ttlSeconds: 1,
      onEvict: (id, reason) => evicted.push([id, reason]),
    });
    try {
      for (const id of ['a', 'b', 'c']) await store.append(id, 'user', `${id} said`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const results = await Promise.all([store.get('a'), store.get('b'), store.get('a')]);
      assert.deepEqual(counted.batches, [3]);
      assert.deepEqual(results, [[], [], []]);
      assert.deepEqual([...evicted].sort(), [
        ['a', 'ttl'],
        ['b', 'ttl'],
        ['c', 'ttl'],
      ]);
      assert.deepEqual(await store.stats(), { conversations: 0, turns: 0, bytes: 0, evictions: { ttl: 3, lru: 0, bytes: 0 } });
    } finally {
      await store.close();
    }
  });

  it('a batch of gets the server rolls back is sent again get by get: only the failing get rejects', async () => {
    const counted = countingGets(pool);
    const store = new PostgresStore({ pool: counted.pool, tablePrefix: 'gets_poison_' });
    try {
      for (const id of ['one', 'poison', 'two']) await store.append(id, 'user', `${id} said`);
      // The server refuses to touch one conversation: its get fails inside the batch, which rolls back whole.
      await pool.query(`CREATE FUNCTION gets_poison_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER gets_poison_refuse BEFORE UPDATE ON gets_poison_conversations FOR EACH ROW EXECUTE FUNCTION gets_poison_refuse()`);
      const singlesBefore = counted.singles();
      const outcomes = await Promise.allSettled([store.get('one'), store.get('poison'), store.get('two')]);
      assert.deepEqual(counted.batches, [3]);
      assert.equal(counted.singles() - singlesBefore, 3, 'then each get alone');
      assert.deepEqual(
        outcomes.map((outcome) => (outcome.status === 'fulfilled' ? contents(outcome.value) : (outcome.reason as TurnstoreError).code)),
        [['one said'], 'TURNSTORE_BACKEND_UNAVAILABLE', ['two said']],
      );
      assert.match(((outcomes[1] as PromiseRejectedResult).reason as Error).message, /refused/);
    } finally {
      await store.close();
    }
  });

  it('batches of gets from two stores on the same tables, in opposite orders, never deadlock', async () => {
    const options = { tablePrefix: 'gets_cross_', commandTimeoutMs: 20_000, maxTurns: 64 };
    // Two app instances, each with a pool of its own; a deadlock would roll a batch back, and its
    // gets would then go one by one: counted.
    const pools = [new pg.Pool({ connectionString: server.url }), new pg.Pool({ connectionString: server.url })];
    const counted = pools.map((own) => countingGets(own));
    const first = new PostgresStore({ pool: counted[0]!.pool, ...options });
    const second = new PostgresStore({ pool: counted[1]!.pool, ...options });
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
      for (const id of ids) await first.append(id, 'user', id);
      // Every touch takes a little while, so that the two batches overlap on their way through the rows.
      await pool.query(`CREATE FUNCTION gets_cross_slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$;
        CREATE TRIGGER gets_cross_slow BEFORE UPDATE ON gets_cross_conversations FOR EACH ROW EXECUTE FUNCTION gets_cross_slow()`);
      const reversed = [...ids].reverse();
      for (let round = 0; round < 10; round++) {
        const [forward, backward] = await Promise.all([
          Promise.all(ids.map((id) => first.get(id))),
          Promise.all(reversed.map((id) => second.get(id))),
          // Appends lock the same rows in id order meanwhile.
          Promise.all(ids.slice(0, 4).map((id) => second.append(id, 'assistant', `${round}`))),
        ]);
        assert.deepEqual(
          forward.map((turns) => turns[0]?.content),
          ids,
        );
        assert.deepEqual(
          backward.map((turns) => turns[0]?.content),
          reversed,
        );
      }
      assert.deepEqual(
        counted.map((each) => each.singles()),
        [0, 0],
        'no batch of gets was rolled back (a deadlock) and sent again get by get',
      );
      assert.ok(counted.every((each) => each.batches.length > 0));
    } finally {
      await first.close();
      await second.close();
      await Promise.all(pools.map((own) => own.end()));
    }
  });
});
