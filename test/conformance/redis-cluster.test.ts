import { after, test } from 'node:test';
import { createCluster } from 'redis';
import { runConformanceSuite } from '../../src/conformance/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { RedisTestCluster, redisUnavailable } from '../support/redis-server.js';

// A three-master cluster of our own. Each store's prefix is its hash tag, so the stores of this
// run spread over the slots of all three masters, each store's keys in one slot.
const unavailable = redisUnavailable();
if (unavailable !== undefined) {
  test('RedisStore conformance on Redis Cluster', { skip: unavailable }, () => {});
} else {
  const cluster = await RedisTestCluster.start();
  const client = await createCluster({ rootNodes: cluster.rootNodes }).on('error', () => {}).connect();
  after(async () => {
    await client.close();
    await cluster.stop();
  });
  let stores = 0;
  runConformanceSuite({
    name: 'RedisStore (cluster)',
    create: (options) => new RedisStore({ ...options, client, prefix: `cluster-${++stores}` }),
    clock: 'real',
  });
}
