import assert from 'node:assert/strict';
import { conformanceTest, contents, coreStats, group, ids, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** Registers the tests of `delete`, `clear` and `size` (decision 9). */
export function deleteClearTests(target: ResolvedTarget): void {
  group(target, 'delete, clear and size', () => {
    conformanceTest(target, 'delete returns true only when a live conversation was removed', async (h) => {
      const store = await h.open();
      assert.equal(await store.delete('a'), false, 'unknown id');
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      assert.equal(await store.delete('a'), true);
      assert.equal(await store.delete('a'), false, 'already deleted');
      assert.deepEqual(await store.get('a'), []);
      assert.deepEqual(contents(await store.get('b')), ['b1']);
      assert.equal(await store.size(), 1);
      assert.deepEqual(ids(await listAll(store)), ['b']);
      const stats = await coreStats(store);
      assert.deepEqual(
        { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
        { conversations: 1, turns: 1, bytes: 2 },
      );
    });

    conformanceTest(target, 'appending after delete starts a new, empty conversation', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'old');
      await store.delete('a');
      await store.append('a', 'user', 'new');
      assert.deepEqual(contents(await store.get('a')), ['new']);
    });

    conformanceTest(target, 'clear empties the store, which then works as new', async (h) => {
      const store = await h.open({ maxConversations: 3 });
      for (const id of ['a', 'b', 'c']) await store.append(id, 'user', id);
      await store.clear();
      assert.equal(await store.size(), 0);
      assert.deepEqual(await listAll(store), []);
      for (const id of ['a', 'b', 'c']) assert.deepEqual(await store.get(id), []);
      const stats = await coreStats(store);
      assert.deepEqual(
        { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
        { conversations: 0, turns: 0, bytes: 0 },
      );
      await store.clear();
      for (const id of ['d', 'e', 'f']) await store.append(id, 'user', id);
      assert.deepEqual(h.evictions, [], 'the cleared conversations no longer count against maxConversations');
      assert.deepEqual(ids(await listAll(store)), ['f', 'e', 'd']);
    });

    conformanceTest(target, 'size counts live conversations, not turns', async (h) => {
      const store = await h.open();
      assert.equal(await store.size(), 0);
      await store.append('a', 'user', 'a1');
      await store.append('a', 'assistant', 'a2');
      await store.appendMany('b', [
        { role: 'user', content: 'b1' },
        { role: 'user', content: 'b2' },
      ]);
      assert.equal(await store.size(), 2);
    });
  });
}
