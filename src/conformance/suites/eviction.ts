import assert from 'node:assert/strict';
import type { EvictionReason } from '../../core/types.js';
import { conformanceTest, contents, coreStats, EXPIRED, group, ids, listAll, STILL_ALIVE } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** `n` bytes of ASCII content, distinct per `tag`. */
function bytes(tag: string, n: number): string {
  return tag.repeat(n).slice(0, n);
}

/** Registers the tests of eviction: reasons, order of the caps, `onEvict`, counts (decisions 7, 8). */
export function evictionTests(target: ResolvedTarget): void {
  group(target, 'eviction', () => {
    conformanceTest(target, "onEvict(id, 'lru') is called once per conversation pushed out, and stats counts it", async (h) => {
      const store = await h.open({ maxConversations: 2 });
      for (const id of ['a', 'b', 'c', 'd', 'e']) await store.append(id, 'user', id);
      assert.deepEqual(h.evictions, [
        ['a', 'lru'],
        ['b', 'lru'],
        ['c', 'lru'],
      ]);
      assert.deepEqual((await coreStats(store)).evictions, { ttl: 0, lru: 3, bytes: 0 });
    });

    conformanceTest(
      target,
      "each expiry is reported once as 'ttl'",
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.append('a', 'user', 'a1');
        await store.append('b', 'user', 'b1');
        await h.idle(EXPIRED);
        assert.equal(await store.size(), 0);
        await store.stats();
        await store.get('a');
        await store.list();
        await store.append('a', 'user', 'a2');
        assert.deepEqual([...h.evictions].sort(), [
          ['a', 'ttl'],
          ['b', 'ttl'],
        ]);
        assert.deepEqual((await coreStats(store)).evictions, { ttl: 2, lru: 0, bytes: 0 });
      },
      { exactEvictionCounts: true },
    );

    conformanceTest(target, 'on append, expired conversations go first, before the LRU cap picks anyone', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds, maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await h.idle(STILL_ALIVE);
      await store.append('b', 'user', 'b1');
      await h.idle(EXPIRED - STILL_ALIVE); // a idle EXPIRED × TTL: gone; b idle less than the TTL: alive
      await store.append('c', 'user', 'c1');
      assert.deepEqual(ids(await listAll(store)), ['c', 'b']);
      assert.equal((await coreStats(store)).evictions.lru, 0);
      assert.ok(!h.evictions.some(([, reason]) => reason === 'lru'), `no LRU eviction expected; got ${JSON.stringify(h.evictions)}`);
      if (h.target.exactEvictionCounts) assert.deepEqual(h.evictions, [['a', 'ttl']]);
    });

    conformanceTest(
      target,
      "past maxTotalBytes the least recently used other conversation is evicted ('bytes')",
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 20 });
        await store.append('a', 'user', bytes('a', 10));
        await store.append('b', 'user', bytes('b', 10));
        assert.deepEqual(h.evictions, [], 'exactly maxTotalBytes is within budget');
        await store.append('c', 'user', 'c');
        assert.deepEqual(h.evictions, [['a', 'bytes']]);
        assert.deepEqual(ids(await listAll(store)), ['c', 'b']);
        const stats = await coreStats(store);
        assert.equal(stats.bytes, 11);
        assert.deepEqual(stats.evictions, { ttl: 0, lru: 0, bytes: 1 });
      },
      { totalBytes: true },
    );

    conformanceTest(
      target,
      'the byte budget evicts by recency: a get hit protects a conversation',
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 20 });
        await store.append('a', 'user', bytes('a', 10));
        await store.append('b', 'user', bytes('b', 10));
        await store.get('a');
        await store.append('c', 'user', bytes('c', 5));
        assert.deepEqual(h.evictions, [['b', 'bytes']]);
      },
      { totalBytes: true },
    );

    conformanceTest(
      target,
      'a conversation alone over maxTotalBytes drops its own oldest turns, with no eviction',
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 20 });
        await store.append('a', 'user', bytes('x', 10));
        await store.append('a', 'user', bytes('y', 10));
        await store.append('a', 'user', bytes('z', 10));
        assert.deepEqual(contents(await store.get('a')), [bytes('y', 10), bytes('z', 10)]);
        await store.appendMany('a', [
          { role: 'user', content: bytes('1', 8) },
          { role: 'user', content: bytes('2', 8) },
          { role: 'user', content: bytes('3', 8) },
        ]);
        assert.deepEqual(contents(await store.get('a')), [bytes('2', 8), bytes('3', 8)]);
        assert.deepEqual(h.evictions, []);
        const stats = await coreStats(store);
        assert.deepEqual(stats, { conversations: 1, turns: 2, bytes: 16, evictions: { ttl: 0, lru: 0, bytes: 0 } });
      },
      { totalBytes: true },
    );

    conformanceTest(
      target,
      'other conversations are evicted before the written one drops its own turns',
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 20 });
        await store.append('b', 'user', bytes('b', 5));
        await store.append('a', 'user', bytes('x', 10));
        await store.append('a', 'user', bytes('y', 10));
        assert.deepEqual(h.evictions, [['b', 'bytes']]);
        assert.deepEqual(contents(await store.get('a')), [bytes('x', 10), bytes('y', 10)]);
      },
      { totalBytes: true },
    );

    conformanceTest(
      target,
      'the LRU cap is applied before the byte budget',
      async (h) => {
        const store = await h.open({ maxConversations: 2, maxTurnBytes: 10, maxTotalBytes: 15 });
        await store.append('a', 'user', bytes('a', 5));
        await store.append('b', 'user', bytes('b', 10));
        await store.append('c', 'user', bytes('c', 10));
        assert.deepEqual(h.evictions, [
          ['a', 'lru'],
          ['b', 'bytes'],
        ]);
        assert.deepEqual(ids(await listAll(store)), ['c']);
        assert.deepEqual((await coreStats(store)).evictions, { ttl: 0, lru: 1, bytes: 1 });
      },
      { totalBytes: true },
    );

    conformanceTest(target, 'onEvict is never called for delete or clear', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.append('c', 'user', 'c1');
      assert.equal(await store.delete('a'), true);
      await store.clear();
      assert.deepEqual(h.evictions, []);
      assert.deepEqual((await coreStats(store)).evictions, { ttl: 0, lru: 0, bytes: 0 });
    });

    for (const call of ['clear', 'delete', 'get', 'size', 'list', 'stats', 'append'] as const) {
      conformanceTest(
        target,
        `conversations that expired before ${call} are reported as 'ttl' by it`,
        async (h) => {
          // A background sweep may run at any moment between the expiry and the call, and it reports
          // them; so every call must report them too, or counts would depend on the sweep's timing.
          const store = await h.open({ ttlSeconds: h.ttlSeconds });
          await store.append('a', 'user', 'a1');
          await store.append('b', 'user', 'b1');
          await h.idle(EXPIRED);
          if (call === 'clear') await store.clear();
          else if (call === 'delete') assert.equal(await store.delete('a'), false);
          else if (call === 'get') assert.deepEqual(await store.get('a'), []);
          else if (call === 'append') await store.append('c', 'user', 'c1');
          else await store[call]();
          assert.deepEqual([...h.evictions].sort(), [
            ['a', 'ttl'],
            ['b', 'ttl'],
          ]);
          assert.deepEqual((await coreStats(store)).evictions, { ttl: 2, lru: 0, bytes: 0 });
        },
        { exactEvictionCounts: true },
      );
    }

    conformanceTest(target, 'eviction counts are cumulative: clear does not reset them', async (h) => {
      const store = await h.open({ maxConversations: 1 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.clear();
      assert.deepEqual(await coreStats(store), { conversations: 0, turns: 0, bytes: 0, evictions: { ttl: 0, lru: 1, bytes: 0 } });
      await store.append('c', 'user', 'c1');
      await store.append('d', 'user', 'd1');
      assert.equal((await coreStats(store)).evictions.lru, 2);
      assert.deepEqual(h.evictions, [
        ['a', 'lru'],
        ['c', 'lru'],
      ]);
    });

    conformanceTest(target, 'a throwing onEvict does not make the store operation fail', async (h) => {
      const calls: Array<[string, EvictionReason]> = [];
      const store = await h.open({
        maxConversations: 1,
        ttlSeconds: h.ttlSeconds,
        onEvict: (id, reason) => {
          calls.push([id, reason]);
          throw new Error('listener failure (expected by the conformance suite)');
        },
      });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      assert.deepEqual(calls, [['a', 'lru']]);
      assert.deepEqual(await store.get('a'), []);
      assert.deepEqual(contents(await store.get('b')), ['b1']);
      await h.idle(EXPIRED);
      await store.append('c', 'user', 'c1');
      assert.deepEqual(contents(await store.get('c')), ['c1']);
      assert.equal(await store.size(), 1);
      if (h.target.exactEvictionCounts)
        assert.deepEqual(calls, [
          ['a', 'lru'],
          ['b', 'ttl'],
        ]);
    });
  });
}
