import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RedisStore } from '../../src/redis/index.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import assert from 'node:assert/strict';
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
import { OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

const WORKERS = 4;
const APPENDS = 300;
/** Rounds of each worker in the race of pops, replacements and appends. */
const RACE_ROUNDS = 90;
const worker = fileURLToPath(new URL('./append-worker.js', import.meta.url));

describe('RedisStore shared by several processes', { skip: redisUnavailable() }, () => {
  let server: RedisTestServer;
  before(async () => {
    server = await RedisTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it(`${WORKERS} processes appending at once: the turn cap holds, each process's turns keep their order, the conversation cap holds`, async (t) => {
    const prefix = 'multi-process';
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, (_, index) =>
        runWorker(worker, [server.url, prefix, String(index), String(APPENDS)], `worker ${index}`),
      ),
    );
    t.diagnostic(`${WORKERS} processes × ${APPENDS * 2} appends in ${Math.round(performance.now() - started)} ms`);

    const store = new RedisStore({ url: server.url, prefix, ...STORE_OPTIONS });
    try {
      await checkSharedWriters(store, { workers: WORKERS, appends: APPENDS, ownConversations: OWN_CONVERSATIONS, ...STORE_OPTIONS });
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes racing pops, replacements and appends on one conversation lose and double no turn`, async () => {
    const prefix = 'multi-process-race';
    const seed = raceSeed(WORKERS, RACE_ROUNDS);
    const store = new RedisStore({ url: server.url, prefix, ...RACE_OPTIONS });
    try {
      await seedRace(store, seed);
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, index) =>
          runWorker(worker, [server.url, prefix, String(index), String(RACE_ROUNDS), 'race'], `race worker ${index}`),
        ),
      );
      await checkRace(
        store,
        seed,
        outputs.map((output) => JSON.parse(output) as RaceReport),
      );
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes racing appends and compactions on one conversation lose no turn and fold none twice`, async (t) => {
    const prefix = 'multi-process-compact-race';
    const store = new RedisStore({ url: server.url, prefix, ...RACE_OPTIONS });
    try {
      await seedCompactRace(store);
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, index) =>
          runWorker(worker, [server.url, prefix, String(index), '60', 'compact-race'], `compact race worker ${index}`),
        ),
      );
      const { compactions, conflicts } = await checkCompactRace(
        store,
        outputs.map((output) => JSON.parse(output) as CompactRaceReport),
      );
      assert.ok(compactions > 0, 'some compactions went through');
      t.diagnostic(`${compactions} compactions, ${conflicts} refused as conflicts`);
    } finally {
      await store.close();
    }
  });
});
