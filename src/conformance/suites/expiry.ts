import assert from 'node:assert/strict';
import { assertRejects, conformanceTest, contents, coreStats, EXPIRED, group, ids, listAll, STILL_ALIVE } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

const EMPTY_STATS = { conversations: 0, turns: 0, bytes: 0 };

/** Registers the tests of the sliding TTL (SPEC §3, decision 6). */
export function expiryTests(target: ResolvedTarget): void {
  group(target, 'expiry', () => {
    conformanceTest(
      target,
      'alive at exactly ttlSeconds idle, expired one millisecond later',
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.append('a', 'user', 'a1');
        await h.advance(h.ttlMs);
        assert.equal(await store.size(), 1);
        assert.deepEqual(ids(await listAll(store)), ['a']);
        await h.advance(1);
        assert.equal(await store.size(), 0);
        assert.deepEqual(await listAll(store), []);
        const { conversations, turns, bytes } = await coreStats(store);
        assert.deepEqual({ conversations, turns, bytes }, EMPTY_STATS);
        assert.deepEqual(await store.get('a'), []);
      },
      { injectedClock: true },
    );

    conformanceTest(
      target,
      'a get at exactly ttlSeconds is a hit and restarts the TTL',
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.append('a', 'user', 'a1');
        await h.advance(h.ttlMs);
        assert.deepEqual(contents(await store.get('a')), ['a1']);
        await h.advance(h.ttlMs);
        assert.equal(await store.size(), 1);
        await h.advance(1);
        assert.deepEqual(await store.get('a'), []);
      },
      { injectedClock: true },
    );

    conformanceTest(
      target,
      'a fractional ttlSeconds counts in milliseconds',
      async (h) => {
        const store = await h.open({ ttlSeconds: 0.5 });
        await store.append('a', 'user', 'a1');
        await h.advance(500);
        assert.equal(await store.size(), 1);
        await h.advance(1);
        assert.equal(await store.size(), 0);
      },
      { injectedClock: true },
    );

    conformanceTest(target, 'ttlSeconds 0 never expires', async (h) => {
      const store = await h.open({ ttlSeconds: 0 });
      await store.append('a', 'user', 'a1');
      await h.advance(h.injectedClock ? 10 * 365 * 24 * 3600 * 1000 : h.ttlMs * EXPIRED);
      assert.equal(await store.size(), 1);
      assert.deepEqual(contents(await store.get('a')), ['a1']);
    });

    conformanceTest(target, 'an idle conversation expires: gone from get, list, size, stats and delete', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'a1');
      await store.appendMany('b', [
        { role: 'user', content: 'b1' },
        { role: 'assistant', content: 'b2' },
      ]);
      await h.idle(STILL_ALIVE);
      assert.equal(await store.size(), 2);
      await h.idle(EXPIRED - STILL_ALIVE);
      assert.equal(await store.size(), 0);
      assert.deepEqual(await listAll(store), []);
      const { conversations, turns, bytes } = await coreStats(store);
      assert.deepEqual({ conversations, turns, bytes }, EMPTY_STATS);
      assert.deepEqual(await store.get('a'), []);
      assert.equal(await store.delete('b'), false, 'delete of an expired conversation removes nothing live');
      assert.deepEqual(await store.get('b'), []);
    });

    conformanceTest(target, 'a get hit restarts the TTL', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'a1');
      await h.idle(STILL_ALIVE);
      assert.deepEqual(contents(await store.get('a')), ['a1']);
      await h.idle(STILL_ALIVE);
      assert.equal(await store.size(), 1, 'alive: idle for less than the TTL since the get');
      await h.idle(EXPIRED - STILL_ALIVE);
      assert.equal(await store.size(), 0);
    });

    conformanceTest(target, 'append and appendMany restart the TTL', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await h.idle(STILL_ALIVE);
      await store.append('a', 'user', 'a2');
      await store.appendMany('b', [{ role: 'user', content: 'b2' }]);
      await h.idle(STILL_ALIVE);
      assert.deepEqual(ids(await listAll(store)).sort(), ['a', 'b']);
      await h.idle(EXPIRED - STILL_ALIVE);
      assert.equal(await store.size(), 0);
    });

    conformanceTest(target, 'list, size, stats, a get miss, appendMany([]) and rejected calls do not restart the TTL', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds, maxTurnBytes: 4 });
      await store.append('a', 'user', 'a1');
      await h.idle(STILL_ALIVE);
      await store.list();
      await store.size();
      await store.stats();
      await store.get('other');
      await store.appendMany('a', []);
      await assertRejects(() => store.append('a', 'robot' as 'user', 'x'), 'TURNSTORE_INVALID_TURN');
      await assertRejects(() => store.append('a', 'user', 'too large'), 'TURNSTORE_TURN_TOO_LARGE');
      await assertRejects(
        () =>
          store.appendMany('a', [
            { role: 'user', content: 'ok' },
            { role: 'user', content: 'too large' },
          ]),
        'TURNSTORE_TURN_TOO_LARGE',
      );
      await h.idle(EXPIRED - STILL_ALIVE);
      assert.equal(await store.size(), 0);
      assert.deepEqual(await store.get('a'), []);
    });

    conformanceTest(target, 'appending to an expired id starts an empty conversation: old turns are gone', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'private');
      await store.append('a', 'assistant', 'secret');
      await h.idle(EXPIRED);
      await store.append('a', 'user', 'new');
      assert.deepEqual(contents(await store.get('a')), ['new']);
      const stats = await coreStats(store);
      assert.equal(stats.turns, 1);
      assert.equal(stats.bytes, 3);
      if (h.target.exactEvictionCounts) {
        assert.deepEqual(h.evictions, [['a', 'ttl']]);
        assert.deepEqual(stats.evictions, { ttl: 1, lru: 0, bytes: 0 });
      }
    });

    conformanceTest(target, 'appendMany to an expired id starts an empty conversation too', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.append('a', 'user', 'private');
      await h.idle(EXPIRED);
      await store.appendMany('a', [
        { role: 'user', content: 'n1' },
        { role: 'assistant', content: 'n2' },
      ]);
      assert.deepEqual(contents(await store.get('a')), ['n1', 'n2']);
    });

    conformanceTest(target, 'expired conversations do not count against maxConversations', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds, maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await h.idle(EXPIRED);
      await store.append('c', 'user', 'c1');
      await store.append('d', 'user', 'd1');
      assert.deepEqual(ids(await listAll(store)), ['d', 'c']);
      const stats = await coreStats(store);
      assert.equal(stats.evictions.lru, 0, 'the expired ones made room, not the LRU cap');
      assert.ok(!h.evictions.some(([, reason]) => reason === 'lru'));
      if (h.target.exactEvictionCounts) {
        assert.deepEqual([...h.evictions].sort(), [
          ['a', 'ttl'],
          ['b', 'ttl'],
        ]);
        assert.equal(stats.evictions.ttl, 2);
      }
    });
  });
}
