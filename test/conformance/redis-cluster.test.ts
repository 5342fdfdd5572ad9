import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
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
  const client = await createCluster({ rootNodes: cluster.rootNodes })
    .on('error', () => {})
    .connect();
  after(async () => {
    await client.close();
    await cluster.stop();
  });
  let stores = 0;
  runConformanceSuite({
    name: 'RedisStore (cluster)',
    create: (options) => new RedisStore({ ...options, client, prefix: `cluster-${++stores}` }),
    // Time is the server's; the byte budget and the eviction counts are exact (kept inside the scripts).
    clock: 'real',
    enforcesTotalBytes: true,
    exactEvictionCounts: true,
  });

  describe('RedisStore keys on Redis Cluster', () => {
    /** The keys each master holds, by node index. */
    const keysByNode = async (pattern: string): Promise<string[][]> =>
      Promise.all(
        cluster.nodes.map(async (node) => {
          const reply = await node.command('KEYS', pattern);
          return [...reply.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((match) => match[1]!);
        }),
      );

    it('one store: every key in one slot, whatever braces its ids hold', async () => {
      const store = new RedisStore({ client, prefix: 'one-slot' });
      try {
        for (const id of ['a', '{x}', 'a}b{c', '}', '{', '{}', 'turnstore:{x}:y']) await store.append(id, 'user', id);
        const byNode = await keysByNode('{one-slot}:*');
        const holders = byNode.filter((keys) => keys.length > 0);
        assert.equal(holders.length, 1, `all on one master: ${JSON.stringify(byNode)}`);
        assert.equal(holders[0]!.length, 7 + 4);
        const slots = new Set(await Promise.all(holders[0]!.map((key) => cluster.nodes[0]!.command('CLUSTER', 'KEYSLOT', key))));
        assert.equal(slots.size, 1, 'one slot');
        await store.clear();
      } finally {
        await store.close();
      }
    });

    it('several prefixes: spread over the masters, so a deployment shards by prefix', async () => {
      const nodesUsed = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const store = new RedisStore({ client, prefix: `shard-${i}` });
        await store.append('a', 'user', 'x');
        await store.close();
        const byNode = await keysByNode(`{shard-${i}}:*`);
        byNode.forEach((keys, node) => keys.length > 0 && nodesUsed.add(node));
      }
      assert.equal(nodesUsed.size, 3, 'twelve prefixes reach all three masters');
    });
  });
}
