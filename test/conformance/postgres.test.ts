import { after, test } from 'node:test';
import pg from 'pg';
import { runConformanceSuite } from '../../src/conformance/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';

// One server of our own. Every store gets a fresh table prefix, so stores are empty and independent,
// and a small pool of its own, so each connection compiles the functions of one store only: the
// suite runs its real-clock tests at once, and on a busy machine a call that compiles them first
// can take longer than the TTL margins allow.
const unavailable = postgresUnavailable();
if (unavailable !== undefined) {
  test('PostgresStore conformance', { skip: unavailable }, () => {});
} else {
  const server = await PostgresTestServer.start({ settings: { max_connections: '500' } });
  const pools: pg.Pool[] = [];
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server.stop();
  });
  let stores = 0;
  runConformanceSuite({
    name: 'PostgresStore',
    create: async (options) => {
      const pool = new pg.Pool({ connectionString: server.url, max: 2, idleTimeoutMillis: 2000 }).on('error', () => {});
      pools.push(pool);
      // A long command timeout: the suite runs its tests at once on a busy machine; outages are tested in test/postgres.
      const storeOptions = { commandTimeoutMs: 20_000, pool, tablePrefix: `conformance_${++stores}_` };
      // The tables are made now, and every function is called once on each of the pool's two
      // connections (PL/pgSQL compiles a function per connection on its first call), not during a
      // call whose timing a real-clock test checks. The warm-up goes through a store of its own with
      // the default options on the same tables and pool: under load it can outlast the test's short
      // TTL, and through the test's store its conversation then expired and counted as an eviction.
      // Both warm-ups write one conversation of empty turns, so no cap evicts anything, and it is
      // deleted again (no eviction): the store is empty, with no eviction counted, when the test starts.
      const warm = new PostgresStore(storeOptions);
      await warm.size();
      const warmUp = async (): Promise<void> => {
        await warm.append('warm-up', 'user', '');
        await warm.appendMany('warm-up', [{ role: 'assistant', content: '' }]);
        await warm.get('warm-up');
        await warm.list();
        await warm.stats();
        // Leaves a turn: each warm-up popped only after appending two.
        await warm.pop('warm-up');
      };
      await Promise.all([warmUp(), warmUp()]);
      await warm.delete('warm-up');
      await warm.close(); // the pool is not its own: it stays open for the test's store
      const store = new PostgresStore({
        commandTimeoutMs: storeOptions.commandTimeoutMs,
        ...options,
        pool,
        tablePrefix: storeOptions.tablePrefix,
      });
      await store.size(); // its own schema check, before the test's first timed call
      return store;
    },
    // Time is the server's; the byte budget and the eviction counts are exact (kept in the functions' transactions).
    clock: 'real',
    // Every call is a transaction on a server sharing the machine's two cores with the whole test
    // run: 3 s leaves 1.2 s and 0.9 s of margin in the expiry tests instead of 0.4 s and 0.3 s.
    realClockTtlSeconds: 3,
    enforcesTotalBytes: true,
    exactEvictionCounts: true,
  });
}
