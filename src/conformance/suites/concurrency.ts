import assert from 'node:assert/strict';
import { conformanceTest, contents, coreStats, group, ids, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** Registers the tests of concurrent calls on one store (SPEC §5, decision 14). */
export function concurrencyTests(target: ResolvedTarget): void {
  group(target, 'concurrency', () => {
    conformanceTest(target, '50 concurrent appends to one conversation leave exactly maxTurns of them, in ts order', async (h) => {
      const store = await h.open({ maxTurns: 8 });
      const appended = Array.from({ length: 50 }, (_, i) => `message ${i}`);
      await Promise.all(appended.map((content) => store.append('a', 'user', content)));
      const turns = await store.get('a');
      const kept = contents(turns);
      assert.equal(kept.length, 8);
      assert.equal(new Set(kept).size, 8, 'no turn stored twice');
      assert.ok(
        kept.every((content) => appended.includes(content)),
        `only appended turns: ${JSON.stringify(kept)}`,
      );
      for (let i = 1; i < turns.length; i++) assert.ok(turns[i]!.ts >= turns[i - 1]!.ts, 'oldest first');
      assert.equal((await coreStats(store)).turns, 8);
    });

    conformanceTest(target, 'a wave of concurrent appends after another keeps exactly the newest wave', async (h) => {
      // Every append of the second wave starts after the first wave finished, so whatever order the
      // store picked within each wave, the second wave's turns are the newest maxTurns.
      const store = await h.open({ maxTurns: 8 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.append('a', 'user', `first ${i}`)));
      const second = Array.from({ length: 8 }, (_, i) => `second ${i}`);
      await Promise.all(second.map((content) => store.append('a', 'assistant', content)));
      assert.deepEqual(contents(await store.get('a')).sort(), [...second].sort());
    });

    conformanceTest(target, 'concurrent appends to many conversations respect maxConversations', async (h) => {
      const store = await h.open({ maxConversations: 5 });
      const names = Array.from({ length: 50 }, (_, i) => `conversation ${i}`);
      await Promise.all(names.map((id) => store.append(id, 'user', `hello from ${id}`)));
      assert.equal(await store.size(), 5);
      const listing = await listAll(store);
      assert.equal(listing.length, 5);
      for (const item of listing) assert.deepEqual(contents(item.turns), [`hello from ${item.id}`]);
      const stats = await coreStats(store);
      assert.equal(stats.conversations, 5);
      assert.equal(stats.evictions.lru, 45);
      const evicted = h.evictions.map(([id, reason]) => {
        assert.equal(reason, 'lru');
        return id;
      });
      assert.equal(new Set(evicted).size, 45, 'each conversation evicted once');
      assert.deepEqual([...evicted, ...ids(listing)].sort(), [...names].sort(), 'every conversation is either kept or evicted');
    });

    conformanceTest(target, 'a get concurrent with appendMany sees all of the batch or none of it', async (h) => {
      const store = await h.open({ maxTurns: 9 });
      const batch = (n: number) => [0, 1, 2].map((k) => ({ role: 'user' as const, content: `batch ${n} turn ${k}` }));
      const reads: Array<Promise<number>> = [];
      const writes: Array<Promise<void>> = [];
      for (let n = 0; n < 3; n++) {
        reads.push(store.get('a').then((turns) => turns.length));
        writes.push(store.appendMany('a', batch(n)));
        reads.push(store.get('a').then((turns) => turns.length));
      }
      const [lengths] = await Promise.all([Promise.all(reads), Promise.all(writes)]);
      for (const length of lengths) assert.ok(length % 3 === 0, `a reader saw part of a batch: ${length} turns`);
      const final = contents(await store.get('a'));
      assert.equal(final.length, 9);
      for (let n = 0; n < 3; n++) {
        const at = final.indexOf(`batch ${n} turn 0`);
        assert.deepEqual(
          final.slice(at, at + 3),
          batch(n).map((turn) => turn.content),
          'a batch stays together and in order',
        );
      }
    });
  });
}
