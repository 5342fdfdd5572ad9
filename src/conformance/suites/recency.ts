import assert from 'node:assert/strict';
import { conformanceTest, contents, group, ids, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/**
 * Registers the tests of recency and the LRU cap (decision 5). None of them moves the clock:
 * recency is the logical order of touches, so calls within one millisecond still have an order.
 */
export function recencyTests(target: ResolvedTarget): void {
  group(target, 'recency and maxConversations', () => {
    conformanceTest(target, 'past maxConversations the least recently used conversation is evicted', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['a', 'lru']]);
      assert.equal(await store.size(), 2);
      assert.deepEqual(await store.get('a'), []);
      assert.deepEqual(contents(await store.get('b')), ['b1']);
      assert.deepEqual(contents(await store.get('c')), ['c1']);
    });

    conformanceTest(target, 'a get hit refreshes recency', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.get('a');
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['b', 'lru']]);
      assert.deepEqual(ids(await listAll(store)), ['c', 'a']);
    });

    conformanceTest(target, 'an append refreshes recency, and appending to a live conversation evicts nothing', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.append('a', 'user', 'a2');
      await store.appendMany('b', [{ role: 'user', content: 'b2' }]);
      await store.append('a', 'user', 'a3');
      assert.deepEqual(h.evictions, []);
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['b', 'lru']]);
      assert.deepEqual(contents(await store.get('a')), ['a1', 'a2', 'a3']);
    });

    conformanceTest(target, 'the order of touches is exact even when the clock stands still', async (h) => {
      const store = await h.open({ maxConversations: 4 });
      for (const id of ['a', 'b', 'c', 'd']) await store.append(id, 'user', id);
      assert.deepEqual(ids(await listAll(store)), ['d', 'c', 'b', 'a']);
      await store.get('c');
      await store.get('a');
      await store.append('b', 'user', 'b2');
      assert.deepEqual(ids(await listAll(store)), ['b', 'a', 'c', 'd']);
      await store.append('e', 'user', 'e');
      await store.append('f', 'user', 'f');
      assert.deepEqual(h.evictions, [
        ['d', 'lru'],
        ['c', 'lru'],
      ]);
      assert.deepEqual(ids(await listAll(store)), ['f', 'e', 'b', 'a']);
    });

    conformanceTest(target, 'the conversation being written is never the one evicted (maxConversations 1)', async (h) => {
      const store = await h.open({ maxConversations: 1 });
      await store.append('a', 'user', 'a1');
      await store.appendMany('b', [
        { role: 'user', content: 'b1' },
        { role: 'assistant', content: 'b2' },
      ]);
      assert.deepEqual(h.evictions, [['a', 'lru']]);
      assert.deepEqual(contents(await store.get('b')), ['b1', 'b2']);
      assert.equal(await store.size(), 1);
    });

    conformanceTest(target, 'get of an unknown id creates nothing and touches nothing', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      assert.deepEqual(await store.get('unknown'), []);
      assert.equal(await store.size(), 2);
      assert.deepEqual(ids(await listAll(store)), ['b', 'a']);
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['a', 'lru']]);
    });

    conformanceTest(target, 'list, size and stats never touch', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await h.advance(h.injectedClock ? 1000 : 5);
      await store.append('b', 'user', 'b1');
      const listing = await listAll(store);
      await h.advance(h.injectedClock ? 1000 : 5);
      await store.list({ limit: 1 });
      await listAll(store, 1);
      await store.size();
      await store.stats();
      assert.deepEqual(await listAll(store), listing, 'order and lastAccess unchanged');
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['a', 'lru']]);
    });

    conformanceTest(target, 'appendMany(id, []) refreshes nothing', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      const listing = await listAll(store);
      await h.advance(h.injectedClock ? 1000 : 50);
      await store.appendMany('a', []);
      await store.appendMany('new', []);
      const after = await listAll(store);
      if (h.injectedClock) assert.deepEqual(after, listing);
      else {
        // On a real clock the wall clock can be slewed against the monotonic one between the two
        // reads (a CI run on Node 22 saw 6 ms), moving every lastAccess alike; a refresh would
        // move one by the 50 ms waited. So: the same order and turns, lastAccess within 25 ms.
        const withoutAccess = (items: typeof listing) => items.map(({ id, turns }) => ({ id, turns }));
        assert.deepEqual(withoutAccess(after), withoutAccess(listing));
        after.forEach((item, i) => {
          const drift = Math.abs(item.lastAccess - listing[i]!.lastAccess);
          assert.ok(drift < 0.025, `${item.id}: lastAccess moved ${(drift * 1000).toFixed(1)} ms`);
        });
      }
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['a', 'lru']]);
    });

    conformanceTest(target, 'a deleted conversation frees its place under the cap', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      assert.equal(await store.delete('a'), true);
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, []);
      assert.deepEqual(ids(await listAll(store)), ['c', 'b']);
    });
  });
}
