import assert from 'node:assert/strict';
import type { ConversationStore, Turn, TurnInput } from '../../core/types.js';
import { assertRejects, conformanceTest, contents, coreStats, EXPIRED, group, ids, listAll, snapshot, type Harness } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** Plain turns `t1`…`tn`, of two bytes each below ten. */
function numbered(n: number, from = 1): TurnInput[] {
  return Array.from({ length: n }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `t${from + i}` }));
}

/** Compacts what `get` returns now through its turn at `index` (0 being the first element, the summary if any). */
async function compactThrough(store: ConversationStore, id: string, index: number, summary: string): Promise<Turn[]> {
  const seen = await store.get(id);
  await store.compact(id, { summary, through: seen[index]!, seen });
  return seen;
}

/** The summary turn's fields but for `ts`. */
function summaryOf(turns: readonly Turn[]): { role: string; content: string; summary: unknown } | undefined {
  const first = turns[0];
  return first?.summary === true ? { role: first.role, content: first.content, summary: first.summary } : undefined;
}

/** Reads, lets `change` run, then compacts from the old read: it must conflict and change nothing. */
async function assertConflict(
  h: Harness,
  store: ConversationStore,
  id: string,
  throughIndex: number,
  change: () => Promise<unknown>,
): Promise<void> {
  const seen = await store.get(id);
  await change();
  await h.advance(3);
  const before = await snapshot(store);
  await assertRejects(() => store.compact(id, { summary: 'st', through: seen[throughIndex]!, seen }), 'TURNSTORE_CONFLICT');
  assert.deepEqual(await snapshot(store), before, 'a conflicting compact changes nothing');
}

/** Registers the tests of the summary and `compact` (decision 16). */
export function summaryTests(target: ResolvedTarget): void {
  group(target, 'summary and compact', () => {
    conformanceTest(
      target,
      'compact sets the summary and removes the oldest turns through `through`; get hands the summary out first',
      async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(4));
        await store.append('b', 'user', 'b1');
        const beforeMs = h.clockForStamp();
        await compactThrough(store, 'a', 1, 'gist of t1 t2');
        const afterMs = h.clockForStamp();
        const turns = await store.get('a');
        assert.deepEqual(
          turns.map(({ ts: _ts, ...rest }) => rest),
          [{ role: 'system', content: 'gist of t1 t2', summary: true }, ...numbered(2, 3)],
        );
        h.assertStamp(turns[0]!.ts, beforeMs, afterMs, 'the summary ts');
        const listing = await listAll(store);
        assert.deepEqual(ids(listing), ['a', 'b'], 'compact is a write: a is the most recently used');
        assert.deepEqual(listing[0]!.turns, turns, 'list shows the summary as get does');
        assert.ok(!('summary' in (await store.get('b'))[0]!), 'a conversation without a summary has no such field');
        const stats = await coreStats(store);
        assert.deepEqual(
          { conversations: stats.conversations, turns: stats.turns, bytes: stats.bytes },
          { conversations: 2, turns: 3, bytes: Buffer.byteLength('gist of t1 t2') + 2 + 2 + 2 },
          'the summary counts in bytes, not in turns',
        );
      },
    );

    conformanceTest(target, 'a second compaction folds the summary again, replacing it and its bytes', async (h) => {
      const store = await h.open();
      await store.appendMany('a', numbered(5));
      await compactThrough(store, 'a', 1, 'first gist');
      await h.advance(5);
      await compactThrough(store, 'a', 2, 'second, longer gist');
      const turns = await store.get('a');
      assert.deepEqual(summaryOf(turns), { role: 'system', content: 'second, longer gist', summary: true });
      assert.deepEqual(contents(turns).slice(1), ['t5']);
      assert.equal((await coreStats(store)).bytes, Buffer.byteLength('second, longer gist') + 2);
    });

    conformanceTest(target, 'maxTurns never pushes the summary out, and does not count it', async (h) => {
      const store = await h.open({ maxTurns: 2 });
      await store.appendMany('a', numbered(2));
      await compactThrough(store, 'a', 0, 'gist');
      for (let i = 3; i <= 7; i++) await store.append('a', 'user', `t${i}`);
      const turns = await store.get('a');
      assert.deepEqual(contents(turns), ['gist', 't6', 't7']);
      assert.equal(turns[0]!.summary, true);
    });

    conformanceTest(target, 'pop and replaceNewest never remove the summary; a conversation holding only a summary lives on', async (h) => {
      const store = await h.open();
      await store.appendMany('a', numbered(3));
      await compactThrough(store, 'a', 0, 'gist');
      assert.equal((await store.pop('a'))?.content, 't3');
      assert.equal((await store.pop('a'))?.content, 't2');
      assert.deepEqual(contents(await store.get('a')), ['gist'], 'the summary stays when the last turn is popped');
      const before = await snapshot(store);
      assert.equal(await store.pop('a'), undefined, 'a summary is not a turn to pop');
      assert.deepEqual(await snapshot(store), before, 'and popping it changes nothing');
      assert.equal(await store.size(), 1);
      await store.appendMany('a', [{ role: 'user', content: 'n1' }]);
      await store.appendMany('a', [{ role: 'user', content: 'n2' }], { replaceNewest: 5 });
      assert.deepEqual(contents(await store.get('a')), ['gist', 'n2'], 'replaceNewest replaced turns, not the summary');
    });

    conformanceTest(target, 'compact through the newest turn leaves the summary alone, and appends continue after it', async (h) => {
      const store = await h.open();
      await store.appendMany('a', numbered(2));
      await compactThrough(store, 'a', 1, 'all of it');
      assert.deepEqual(contents(await store.get('a')), ['all of it']);
      assert.deepEqual((await coreStats(store)).turns, 0);
      await store.append('a', 'user', 't3');
      assert.deepEqual(contents(await store.get('a')), ['all of it', 't3']);
    });

    conformanceTest(target, 'a turn carrying the summary marker is refused by append and appendMany, changing nothing', async (h) => {
      const store = await h.open();
      await store.appendMany('a', numbered(2));
      await compactThrough(store, 'a', 0, 'gist');
      const [summary] = await store.get('a');
      const before = await snapshot(store);
      const { ts: _ts, ...fedBack } = summary!;
      await assertRejects(() => store.appendMany('a', [fedBack as TurnInput]), 'TURNSTORE_INVALID_TURN', 'summary');
      await assertRejects(() => store.append('a', 'system', 'x', { summary: true } as never), 'TURNSTORE_INVALID_TURN', 'summary');
      await assertRejects(
        () => store.appendMany('b', [{ role: 'system', content: 'forged', summary: true } as TurnInput]),
        'TURNSTORE_INVALID_TURN',
      );
      assert.deepEqual(await snapshot(store), before);
    });

    conformanceTest(target, 'bad compact options are refused, changing nothing', async (h) => {
      const store = await h.open({ maxTurnBytes: 10 });
      await store.appendMany('a', numbered(3));
      const seen = await store.get('a');
      const before = await snapshot(store);
      const through = seen[1]!;
      await assertRejects(
        () => store.compact('a', { summary: 'x', through, seen, extra: 1 } as never),
        'TURNSTORE_INVALID_OPTION',
        'extra',
      );
      await assertRejects(() => store.compact('a', { summary: 7, through, seen } as never), 'TURNSTORE_INVALID_OPTION', 'summary');
      await assertRejects(() => store.compact('a', { summary: '\ud800', through, seen }), 'TURNSTORE_INVALID_OPTION', 'summary');
      await assertRejects(() => store.compact('a', { summary: 'x', through: { ...through }, seen }), 'TURNSTORE_INVALID_OPTION', 'through');
      await assertRejects(() => store.compact('a', { summary: 'x', through, seen: 'no' } as never), 'TURNSTORE_INVALID_OPTION', 'seen');
      await assertRejects(() => store.compact('a', undefined as never), 'TURNSTORE_INVALID_OPTION');
      await assertRejects(() => store.compact('a', { summary: 'x'.repeat(11), through, seen }), 'TURNSTORE_TURN_TOO_LARGE');
      await assertRejects(() => store.compact('', { summary: 'x', through, seen }), 'TURNSTORE_INVALID_ID');
      await compactThrough(store, 'a', 0, 'gist');
      const withSummary = await store.get('a');
      await assertRejects(
        () => store.compact('a', { summary: 'x', through: withSummary[0]!, seen: withSummary }),
        'TURNSTORE_INVALID_OPTION',
        'summary',
      );
      assert.notDeepEqual(await snapshot(store), before, 'the good compact did change the store');
    });

    conformanceTest(
      target,
      'the summary counts in maxTotalBytes: it makes the budget evict others; the written conversation loses its oldest turns first, then its summary',
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 12 });
        await store.append('b', 'user', 'bb');
        await store.appendMany('a', [
          { role: 'user', content: 'aaaa' },
          { role: 'user', content: 'cccc' },
        ]);
        assert.deepEqual(h.evictions, []);
        await compactThrough(store, 'a', 0, 'ssssssss');
        assert.deepEqual(h.evictions, [['b', 'bytes']], 'the larger summary pushed b out');
        assert.deepEqual(contents(await store.get('a')), ['ssssssss', 'cccc']);
        await store.append('a', 'user', 'dddd');
        assert.deepEqual(contents(await store.get('a')), ['ssssssss', 'dddd'], 'the oldest turn went, the summary stayed');
        await store.append('a', 'user', 'eeeeeeeee');
        assert.deepEqual(contents(await store.get('a')), ['eeeeeeeee'], 'summary and newest turn did not fit: the summary went');
        assert.equal((await coreStats(store)).bytes, 9);
      },
      { totalBytes: true },
    );

    conformanceTest(
      target,
      'the summary expires with its conversation; delete and clear remove it; a new conversation under the id has none',
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.appendMany('a', numbered(2));
        await store.appendMany('b', numbered(2));
        await compactThrough(store, 'a', 0, 'gist a');
        await compactThrough(store, 'b', 0, 'gist b');
        await h.idle(EXPIRED);
        assert.deepEqual(await store.get('a'), []);
        assert.equal((await coreStats(store)).bytes, 0, 'nothing held after expiry');
        await store.append('a', 'user', 'again');
        assert.deepEqual(contents(await store.get('a')), ['again'], 'the expired summary did not come back');
        await compactThrough(store, 'a', 0, 'gist again');
        assert.equal(await store.delete('a'), true);
        await store.append('a', 'user', 'fresh');
        assert.deepEqual(contents(await store.get('a')), ['fresh']);
        await compactThrough(store, 'a', 0, 'gist fresh');
        await store.clear();
        assert.deepEqual(await store.get('a'), []);
        assert.deepEqual((await coreStats(store)).bytes, 0);
      },
    );

    conformanceTest(target, 'appends racing with compact are kept, after the summary, in order', async (h) => {
      const store = await h.open({ maxTurns: 100 });
      await store.appendMany('a', numbered(4));
      const seen = await store.get('a');
      const appends = Array.from({ length: 10 }, (_, i) => store.append('a', 'user', `r${i}`));
      const compaction = store.compact('a', { summary: 'gist', through: seen[2]!, seen });
      await Promise.all([...appends, compaction]);
      assert.deepEqual(contents(await store.get('a')), ['gist', 't4', ...Array.from({ length: 10 }, (_, i) => `r${i}`)]);
    });

    conformanceTest(target, 'appends, pops and replacements newer than `through` do not conflict', async (h) => {
      const store = await h.open();
      await store.appendMany('a', numbered(4));
      const seen = await store.get('a');
      await store.pop('a');
      await store.appendMany('a', [{ role: 'user', content: 'x' }], { replaceNewest: 1 });
      await store.append('a', 'assistant', 'y');
      await store.compact('a', { summary: 'gist', through: seen[1]!, seen });
      assert.deepEqual(contents(await store.get('a')), ['gist', 'x', 'y']);
    });

    group(target, 'conflicts: compact rejects with TURNSTORE_CONFLICT and changes nothing when the turns to remove changed', () => {
      conformanceTest(target, 'another compaction came first', async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(4));
        await assertConflict(h, store, 'a', 2, () => compactThrough(store, 'a', 0, 'other gist'));
        // A compaction reaching further than ours.
        const seen = await store.get('a');
        await compactThrough(store, 'a', 2, 'far gist');
        await assertRejects(() => store.compact('a', { summary: 'x', through: seen[1]!, seen }), 'TURNSTORE_CONFLICT');
      });

      conformanceTest(target, 'a trim by maxTurns, even one that leaves `through` in place', async (h) => {
        const store = await h.open({ maxTurns: 4 });
        await store.appendMany('a', numbered(4));
        await assertConflict(h, store, 'a', 2, () => store.append('a', 'user', 't5'));
        await compactThrough(store, 'a', 0, 'gist');
        await assertConflict(h, store, 'a', 2, () => store.appendMany('a', numbered(2, 6)));
      });

      conformanceTest(
        target,
        'a trim by the byte budget',
        async (h) => {
          const store = await h.open({ maxTurnBytes: 4, maxTotalBytes: 8 });
          await store.appendMany('a', numbered(4));
          await assertConflict(h, store, 'a', 2, () => store.append('a', 'user', 'big'));
        },
        { totalBytes: true },
      );

      conformanceTest(target, 'a pop of `through`, even when an identical turn takes its place', async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(3));
        await assertConflict(h, store, 'a', 2, () => store.pop('a'));
        await store.append('a', 'user', 't3');
        const seen = await store.get('a');
        await store.pop('a');
        await store.append('a', 'user', 't3'); // same content; a later ts, or the same one on a fast clock
        const held = await store.get('a');
        const call = store.compact('a', { summary: 'x', through: seen[2]!, seen });
        if (held[2]!.ts === seen[2]!.ts) {
          // Every field equal: the data the summary covers is exactly what is held (decision 16).
          await call;
        } else {
          await assertRejects(() => call, 'TURNSTORE_CONFLICT');
        }
      });

      conformanceTest(target, 'a replacement reaching into the turns to remove', async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(4));
        await assertConflict(h, store, 'a', 1, () => store.appendMany('a', [{ role: 'user', content: 'other' }], { replaceNewest: 3 }));
      });

      conformanceTest(target, 'a replacement of the summary by an identical text at another time', async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(4));
        await compactThrough(store, 'a', 0, 'gist');
        const seen = await store.get('a');
        await h.advance(5);
        await compactThrough(store, 'a', 1, 'gist');
        await store.appendMany('a', numbered(1, 9));
        await assertRejects(() => store.compact('a', { summary: 'x', through: seen[1]!, seen }), 'TURNSTORE_CONFLICT');
      });

      conformanceTest(target, 'the conversation was deleted, or deleted and started again', async (h) => {
        const store = await h.open();
        await store.appendMany('a', numbered(2));
        await assertConflict(h, store, 'a', 0, () => store.delete('a'));
        await store.appendMany('a', numbered(2));
        await assertConflict(h, store, 'a', 1, async () => {
          await store.delete('a');
          await h.advance(2);
          await store.appendMany('a', numbered(2));
        });
      });

      conformanceTest(target, 'the conversation expired', async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.appendMany('a', numbered(2));
        await store.appendMany('b', numbered(2));
        await assertConflict(h, store, 'a', 0, () => h.idle(EXPIRED));
      });
    });
  });
}
