import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import {
  checkCompactRace,
  checkRace,
  checkSharedWriters,
  RACE_OPTIONS,
  raceSeed,
  runWorker,
  seedCompactRace,
  seedRace,
  type CompactRaceReport,
  type RaceReport,
} from '../support/shared-writers.js';
import { MONITORED_OPTIONS, OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

const WORKERS = 4;
const APPENDS = 150;
/** Rounds of each worker in the race of pops, replacements and appends. */
const RACE_ROUNDS = 60;
const worker = fileURLToPath(new URL('./append-worker.js', import.meta.url));

describe('PostgresStore shared by several processes', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  before(async () => {
    server = await PostgresTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it(`${WORKERS} processes appending at once (tables created by whichever starts first): the turn cap holds with none of the newest lost, the conversation cap holds`, async (t) => {
    const tablePrefix = 'multi_process_';
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, (_, index) =>
        runWorker(worker, [server.url, tablePrefix, String(index), 'count', String(APPENDS)], `worker ${index}`),
      ),
    );
    t.diagnostic(`${WORKERS} processes × ${APPENDS * 2} appends in ${Math.round(performance.now() - started)} ms`);

    const store = new PostgresStore({ connectionString: server.url, tablePrefix, ...STORE_OPTIONS });
    try {
      await checkSharedWriters(store, { workers: WORKERS, appends: APPENDS, ownConversations: OWN_CONVERSATIONS, ...STORE_OPTIONS });
      // The turns numbered below the kept ones, and those of evicted conversations, are gone from
      // the tables themselves, not just hidden.
      assert.equal(
        server.sql(
          `SELECT count(*) FROM ${tablePrefix}turns t JOIN ${tablePrefix}conversations c ON c.key = t.conversation WHERE c.id = 'shared'`,
        ),
        String(STORE_OPTIONS.maxTurns),
      );
      assert.equal(
        server.sql(`SELECT count(*) FROM ${tablePrefix}turns`),
        String((await store.stats()).turns),
        'no turn rows left behind by evictions',
      );
    } finally {
      await store.close();
    }
  });

  it('2 processes × 24 callers (their appends combined into batches): every committed state a monitor sees is within the caps, with totals equal to the data', async (t) => {
    const p = 'monitored_';
    const workers = Array.from({ length: 2 }, (_, index) =>
      runWorker(worker, [server.url, p, String(index), 'callers', '40'], `worker ${index}`),
    );
    let done = false;
    const finished = Promise.all(workers).finally(() => (done = true));
    const monitor = new pg.Client({ connectionString: server.url });
    await monitor.connect();
    const { maxTurns, maxConversations, maxTotalBytes } = MONITORED_OPTIONS;
    let samples = 0;
    try {
      // One statement: one snapshot of what has committed.
      // The live turns and bytes are the totals row's plus its shards'; no shard counts more bytes than its quota.
      const query = `SELECT t.conversations, t.turns + s.turns AS turns, t.bytes + s.bytes AS bytes, s.over_quota,
          (SELECT count(*) FROM ${p}conversations) AS rows,
          (SELECT coalesce(sum(turns), 0) FROM ${p}conversations) AS counted_turns,
          (SELECT coalesce(sum(bytes), 0) FROM ${p}conversations) AS counted_bytes,
          (SELECT count(*) FROM ${p}turns) AS turn_rows,
          (SELECT coalesce(sum(bytes), 0) FROM ${p}turns) AS turn_bytes,
          (SELECT count(*) FROM (SELECT 1 FROM ${p}turns GROUP BY conversation HAVING count(*) > ${maxTurns}) o) AS over_turn_cap
        FROM ${p}totals t, (SELECT sum(turns) AS turns, sum(bytes) AS bytes, count(*) FILTER (WHERE bytes > quota) AS over_quota FROM ${p}totals_shards) s`;
      while (!done) {
        let row: Record<string, string>;
        try {
          row = (await monitor.query(query)).rows[0] as Record<string, string>;
        } catch (error) {
          if ((error as { code?: string }).code === '42P01') continue; // the tables are not made yet
          throw error;
        }
        if (row === undefined) continue;
        samples++;
        const state = JSON.stringify(row);
        assert.equal(row.conversations, row.rows, state);
        assert.ok(Number(row.conversations) <= maxConversations, state);
        assert.equal(row.turns, row.turn_rows, state);
        assert.equal(row.turns, row.counted_turns, state);
        assert.equal(row.bytes, row.turn_bytes, state);
        assert.equal(row.bytes, row.counted_bytes, state);
        assert.ok(Number(row.bytes) <= maxTotalBytes, state);
        assert.equal(row.over_turn_cap, '0', state);
        assert.equal(row.over_quota, '0', state);
      }
      await finished;
      t.diagnostic(`${samples} committed states checked`);
      assert.ok(samples >= 10, `the monitor saw only ${samples} states`);
      const final = (await monitor.query(`SELECT evicted_lru, evicted_bytes FROM ${p}totals`)).rows[0] as Record<string, string>;
      assert.ok(Number(final.evicted_lru) > 0 && Number(final.evicted_bytes) > 0, `both caps bit: ${JSON.stringify(final)}`);
    } finally {
      await finished.catch(() => {});
      await monitor.end();
    }
  });

  it(`${WORKERS} processes racing pops, replacements and appends on one conversation lose and double no turn`, async () => {
    const tablePrefix = 'multi_process_race_';
    const seed = raceSeed(WORKERS, RACE_ROUNDS);
    const store = new PostgresStore({ connectionString: server.url, tablePrefix, ...RACE_OPTIONS });
    try {
      await seedRace(store, seed);
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, index) =>
          runWorker(worker, [server.url, tablePrefix, String(index), 'race', String(RACE_ROUNDS)], `race worker ${index}`),
        ),
      );
      await checkRace(
        store,
        seed,
        outputs.map((output) => JSON.parse(output) as RaceReport),
      );
      assert.equal(server.sql(`SELECT count(*) FROM ${tablePrefix}turns`), String((await store.stats()).turns), 'no turn rows left behind');
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes racing appends and compactions on one conversation lose no turn and fold none twice`, async (t) => {
    const tablePrefix = 'multi_process_compact_race_';
    const store = new PostgresStore({ connectionString: server.url, tablePrefix, ...RACE_OPTIONS });
    try {
      await seedCompactRace(store);
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, index) =>
          runWorker(worker, [server.url, tablePrefix, String(index), 'compact-race', '60'], `compact race worker ${index}`),
        ),
      );
      const { compactions, conflicts } = await checkCompactRace(
        store,
        outputs.map((output) => JSON.parse(output) as CompactRaceReport),
      );
      assert.ok(compactions > 0, 'some compactions went through');
      t.diagnostic(`${compactions} compactions, ${conflicts} refused as conflicts`);
      assert.equal(server.sql(`SELECT count(*) FROM ${tablePrefix}turns`), String((await store.stats()).turns), 'no turn rows left behind');
    } finally {
      await store.close();
    }
  });
});
