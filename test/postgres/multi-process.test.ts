import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { checkRace, checkSharedWriters, RACE_OPTIONS, raceSeed, runWorker, seedRace, type RaceReport } from '../support/shared-writers.js';
import { OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

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
});
