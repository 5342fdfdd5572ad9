import { after, test } from 'node:test';
import pg from 'pg';
import { runConformanceSuite } from '../../src/conformance/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';

// One server of our own, one shared pool; every store gets a fresh table prefix, so stores are empty and independent.
const unavailable = postgresUnavailable();
if (unavailable !== undefined) {
  test('PostgresStore conformance', { skip: unavailable }, () => {});
} else {
  const server = await PostgresTestServer.start();
  const pool = new pg.Pool({ connectionString: server.url, max: 20 }).on('error', () => {});
  after(async () => {
    await pool.end();
    await server.stop();
  });
  let stores = 0;
  runConformanceSuite({
    name: 'PostgresStore',
    create: async (options) => {
      const store = new PostgresStore({ ...options, pool, tablePrefix: `conformance_${++stores}_` });
      // The tables are made now (an empty store's size changes nothing), not during a call whose timing a test checks.
      await store.size();
      return store;
    },
    // Time is the server's; the byte budget and the eviction counts are exact (kept in the functions' transactions).
    clock: 'real',
    enforcesTotalBytes: true,
    exactEvictionCounts: true,
  });
}
