import assert from 'node:assert/strict';
import { assertNoTurnLostOrDoubled, conformanceTest, contents, coreStats, group, ids, listAll } from '../harness.js';
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

    conformanceTest(target, 'pops, replacements and appends racing on one conversation lose and double no turn', async (h) => {
      // Seeded deep enough that no pop or replacement ever finds it empty: then every pop returns a
      // turn and every replacement removes exactly one, so the count below is exact.
      const store = await h.open({ maxTurns: 1000 });
      const seed = Array.from({ length: 60 }, (_, i) => ({ role: 'user' as const, content: `seed ${i}` }));
      await store.appendMany('a', seed);
      const appends = Array.from({ length: 40 }, (_, i) => `append ${i}`);
      const replacements = Array.from({ length: 10 }, (_, i) => [`replacement ${i} a`, `replacement ${i} b`]);
      const calls: Array<Promise<unknown>> = [];
      const pops: Array<Promise<unknown>> = [];
      for (let i = 0; i < 40; i++) {
        calls.push(store.append('a', 'user', appends[i]!));
        if (i % 2 === 0) pops.push(store.pop('a'));
        if (i % 4 === 1) {
          const [first, second] = replacements[i >> 2]!;
          calls.push(
            store.appendMany(
              'a',
              [
                { role: 'user', content: first! },
                { role: 'assistant', content: second! },
              ],
              { replaceNewest: 1 },
            ),
          );
        }
      }
      await Promise.all(calls);
      const popped = (await Promise.all(pops)).map((turn) => {
        assert.ok(turn !== undefined, 'the conversation was never empty, so every pop returns a turn');
        return (turn as { content: string }).content;
      });
      const turns = await store.get('a');
      const kept = contents(turns);
      assertNoTurnLostOrDoubled({
        appended: [...seed.map((turn) => turn.content), ...appends, ...replacements.flat()],
        popped,
        kept,
        replaced: replacements.length,
      });
      const seedKept = kept.filter((content) => content.startsWith('seed '));
      assert.deepEqual(
        seedKept,
        seed.slice(0, seedKept.length).map((turn) => turn.content),
        'only the newest turns were ever removed: the seed stays a prefix, in order',
      );
      for (const [first, second] of replacements) {
        const at = kept.indexOf(first!);
        if (at >= 0 && kept.includes(second!)) assert.equal(kept[at + 1], second, 'a replacement batch stays together and in order');
      }
      for (let i = 1; i < turns.length; i++) assert.ok(turns[i]!.ts >= turns[i - 1]!.ts, 'oldest first');
      assert.equal((await coreStats(store)).turns, kept.length);
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
