import { after, before } from 'node:test';
import pg from 'pg';
import { PostgresTestServer } from './postgres-server.js';

/**
 * Inside a `describe`: starts a server of its own before the tests and a pool of `max` connections
 * on it, hands both to `ready`, and closes them after the tests.
 */
export function withServerAndPool(ready: (server: PostgresTestServer, pool: pg.Pool) => void, max = 4): void {
  let server: PostgresTestServer | undefined;
  let pool: pg.Pool | undefined;
  before(async () => {
    server = await PostgresTestServer.start();
    pool = new pg.Pool({ connectionString: server.url, max }).on('error', () => {});
    ready(server, pool);
  });
  after(async () => {
    await pool?.end();
    await server?.stop();
  });
}
