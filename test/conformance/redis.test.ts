import { after, test } from 'node:test';
import { createClient } from 'redis';
import { runConformanceSuite } from '../../src/conformance/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';

// One server of our own, one shared client; every store gets a fresh prefix, so stores are empty and independent.
const unavailable = redisUnavailable();
if (unavailable !== undefined) {
  test('RedisStore conformance', { skip: unavailable }, () => {});
} else {
  const server = await RedisTestServer.start();
  const client = await createClient({ url: server.url })
    .on('error', () => {})
    .connect();
  after(async () => {
    await client.close();
    await server.stop();
  });
  let stores = 0;
  runConformanceSuite({
    name: 'RedisStore',
    create: (options) => new RedisStore({ ...options, client, prefix: `conformance-${++stores}` }),
    // Time is the server's; the byte budget and the eviction counts are exact (kept inside the scripts).
    clock: 'real',
    enforcesTotalBytes: true,
    exactEvictionCounts: true,
  });
}
