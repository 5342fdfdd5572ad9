import assert from 'node:assert/strict';
import type { ConversationStore, Turn, TurnInput } from '../../core/types.js';
import {
  assertRejects,
  conformanceTest,
  contents,
  coreStats,
  EXPIRED,
  explain,
  group,
  ids,
  listAll,
  snapshot,
  STILL_ALIVE,
  type Harness,
} from '../harness.js';
import { turnBytes } from '../model.js';
import type { ResolvedTarget } from '../target.js';

/** A tool exchange as an agent loop writes it: the question, the call, its result. */
const QUESTION: TurnInput = { role: 'user', content: 'Weather in Paris?' };
const CALL: TurnInput = {
  role: 'assistant',
  content: '',
  toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }],
  metadata: { state: 'input-available' },
};
const RESULT: TurnInput = { role: 'tool', content: 'pending', toolCallId: 'call_1' };

/** The byte total a conversation of these turns holds. */
function bytesOf(turns: readonly TurnInput[]): number {
  return turns.reduce((sum, turn) => sum + turnBytes(turn), 0);
}

/** The turns as stored, without `ts`, for comparing with what was appended. */
function withoutTs(turns: readonly Turn[]): TurnInput[] {
  return turns.map(({ ts: _ts, ...rest }) => rest);
}

/** Fails unless the store holds exactly these conversations, with these turns, and counts them exactly. */
async function assertHolds(store: ConversationStore, expected: Readonly<Record<string, readonly TurnInput[]>>): Promise<void> {
  const listing = await listAll(store);
  assert.deepEqual(ids(listing).sort(), Object.keys(expected).sort(), 'the conversations listed');
  for (const item of listing) assert.deepEqual(withoutTs(item.turns), expected[item.id], `the turns of ${item.id}`);
  assert.equal(await store.size(), Object.keys(expected).length, 'size');
  const { conversations, turns, bytes } = await coreStats(store);
  const all = Object.values(expected);
  assert.deepEqual(
    { conversations, turns, bytes },
    {
      conversations: all.length,
      turns: all.reduce((sum, list) => sum + list.length, 0),
      bytes: all.reduce((sum, list) => sum + bytesOf(list), 0),
    },
    'stats',
  );
}

/** Lets some time pass on a fake clock, so a refreshed `lastAccess` differs from the old one. */
async function tick(h: Harness): Promise<void> {
  await h.advance(h.injectedClock ? 7 : 20);
}

/** Registers the tests of `pop` and `appendMany` with `replaceNewest` (decision 15). */
export function popReplaceTests(target: ResolvedTarget): void {
  group(target, 'pop and replaceNewest', () => {
    conformanceTest(target, 'pop removes and returns the newest turn, exactly as get returned it', async (h) => {
      const store = await h.open();
      await store.appendMany('a', [QUESTION, CALL]);
      await store.append('b', 'user', 'b1');
      const before = await store.get('a');
      const popped = await store.pop('a');
      assert.deepEqual(popped, before[1], 'the newest turn, extras and ts included');
      await assertHolds(store, { a: [QUESTION], b: [{ role: 'user', content: 'b1' }] });
      assert.deepEqual(await store.pop('a'), before[0]);
      assert.deepEqual(h.evictions, []);
    });

    conformanceTest(target, 'pop of an unknown id returns undefined and changes nothing', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'a1');
      const before = await snapshot(store);
      assert.equal(await store.pop('b'), undefined);
      assert.deepEqual(await snapshot(store), before);
    });

    conformanceTest(
      target,
      'pop of an expired conversation returns undefined and counts a ttl eviction',
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.append('a', 'user', 'a1');
        await h.idle(EXPIRED);
        assert.equal(await store.pop('a'), undefined);
        assert.deepEqual(h.evictions, [['a', 'ttl']]);
        assert.equal((await coreStats(store)).evictions.ttl, 1);
        await assertHolds(store, {});
      },
      { exactEvictionCounts: true },
    );

    conformanceTest(target, 'pop refreshes recency and lastAccess', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.appendMany('a', [QUESTION, CALL]);
      await store.append('b', 'user', 'b1');
      const old = (await listAll(store)).find((item) => item.id === 'a')!.lastAccess;
      await tick(h);
      const beforeMs = h.clockForStamp();
      await store.pop('a');
      const afterMs = h.clockForStamp();
      const listing = await listAll(store);
      assert.deepEqual(ids(listing), ['a', 'b'], 'a is the most recently used');
      assert.ok(listing[0]!.lastAccess > old, 'lastAccess moved on');
      h.assertStamp(listing[0]!.lastAccess, beforeMs, afterMs, 'lastAccess');
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['b', 'lru']], 'the LRU cap evicts b, not the popped a');
    });

    conformanceTest(target, 'pop restarts the TTL', async (h) => {
      const store = await h.open({ ttlSeconds: h.ttlSeconds });
      await store.appendMany('a', [QUESTION, CALL]);
      await h.idle(STILL_ALIVE);
      assert.deepEqual(withoutTs([(await store.pop('a'))!]), [CALL]);
      await h.idle(STILL_ALIVE);
      assert.deepEqual(withoutTs(await store.get('a')), [QUESTION], 'alive: the pop restarted the TTL');
    });

    conformanceTest(target, 'a conversation emptied by pop is gone, as if deleted: not listed, not counted, no onEvict', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      assert.deepEqual(withoutTs([(await store.pop('a'))!]), [{ role: 'user', content: 'a1' }]);
      await assertHolds(store, { b: [{ role: 'user', content: 'b1' }] });
      assert.equal(await store.pop('a'), undefined, 'nothing left to pop');
      assert.deepEqual(await store.get('a'), []);
      assert.equal(await store.delete('a'), false, 'nothing left to delete');
      // It no longer counts against maxConversations: a new conversation evicts nothing.
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, []);
      assert.deepEqual((await coreStats(store)).evictions, { ttl: 0, lru: 0, bytes: 0 });
      await store.append('a', 'user', 'a2');
      assert.deepEqual(contents(await store.get('a')), ['a2'], 'appending after it starts a new conversation');
    });

    conformanceTest(target, 'replaceNewest replaces a changed tool call and its result in one step', async (h) => {
      const store = await h.open();
      await store.appendMany('a', [QUESTION, CALL, RESULT]);
      const newCall: TurnInput = { ...CALL, metadata: { state: 'output-available' } };
      const newResult: TurnInput = { role: 'tool', content: '21 °C, sunny', toolCallId: 'call_1' };
      const beforeMs = h.clockForStamp();
      await store.appendMany('a', [newCall, newResult], { replaceNewest: 2 });
      const afterMs = h.clockForStamp();
      await assertHolds(store, { a: [QUESTION, newCall, newResult] });
      const turns = await store.get('a');
      h.assertStamp(turns[1]!.ts, beforeMs, afterMs);
      assert.equal(turns[1]!.ts, turns[2]!.ts, 'the new turns share one ts');
    });

    conformanceTest(target, 'replaceNewest: maxTurns applies to the result', async (h) => {
      const store = await h.open({ maxTurns: 3 });
      const turn = (content: string): TurnInput => ({ role: 'user', content });
      await store.appendMany('a', [turn('a1'), turn('a2'), turn('a3')]);
      await store.appendMany('a', [turn('b1')], { replaceNewest: 1 });
      await assertHolds(store, { a: [turn('a1'), turn('a2'), turn('b1')] });
      await store.appendMany('a', [turn('c1'), turn('c2')], { replaceNewest: 1 });
      await assertHolds(store, { a: [turn('a2'), turn('c1'), turn('c2')] });
      await store.appendMany('a', [turn('d1'), turn('d2'), turn('d3'), turn('d4')], { replaceNewest: 2 });
      await assertHolds(store, { a: [turn('d2'), turn('d3'), turn('d4')] });
    });

    conformanceTest(
      target,
      'replaceNewest: the byte budget applies to the result, after the removal',
      async (h) => {
        const store = await h.open({ maxTurnBytes: 10, maxTotalBytes: 20 });
        const turn = (content: string): TurnInput => ({ role: 'user', content });
        await store.append('x', 'user', 'x'.repeat(10));
        await store.append('y', 'user', 'y'.repeat(10));
        // 20 bytes held; replacing y's 10 bytes by 6 leaves 16: nothing to evict.
        await store.appendMany('y', [turn('z'.repeat(6))], { replaceNewest: 1 });
        assert.deepEqual(h.evictions, []);
        await assertHolds(store, { x: [turn('x'.repeat(10))], y: [turn('z'.repeat(6))] });
        // 6 more bytes replacing none: 22 > 20, so x goes.
        await store.appendMany('y', [turn('w'.repeat(6))], { replaceNewest: 0 });
        assert.deepEqual(h.evictions, [['x', 'bytes']]);
        await assertHolds(store, { y: [turn('z'.repeat(6)), turn('w'.repeat(6))] });
        // Alone over the budget after the replacement: its own oldest turns go.
        await store.appendMany('y', [turn('v'.repeat(10)), turn('u'.repeat(10))], { replaceNewest: 1 });
        await assertHolds(store, { y: [turn('v'.repeat(10)), turn('u'.repeat(10))] });
      },
      { totalBytes: true },
    );

    conformanceTest(target, 'replaceNewest larger than the conversation replaces all of it, and evicts nothing', async (h) => {
      const store = await h.open({ maxConversations: 2 });
      const turn = (content: string): TurnInput => ({ role: 'user', content });
      await store.appendMany('a', [turn('a1'), turn('a2')]);
      await store.append('b', 'user', 'b1');
      await store.appendMany('a', [turn('n1')], { replaceNewest: 5 });
      await assertHolds(store, { a: [turn('n1')], b: [turn('b1')] });
      assert.deepEqual(ids(await listAll(store)), ['a', 'b'], 'a was touched');
      assert.deepEqual(h.evictions, [], 'the conversation was replaced, not created anew: the LRU cap evicts nothing');
      await store.appendMany('c', [turn('c1')], { replaceNewest: 3 });
      assert.deepEqual(h.evictions, [['b', 'lru']], 'an unknown id with replaceNewest is created as by any append');
      await assertHolds(store, { a: [turn('n1')], c: [turn('c1')] });
      // The largest count there is: every backend takes it.
      await store.appendMany('a', [turn('n2')], { replaceNewest: Number.MAX_SAFE_INTEGER });
      await store.appendMany('c', [], { replaceNewest: Number.MAX_SAFE_INTEGER });
      await assertHolds(store, { a: [turn('n2')] });
    });

    conformanceTest(target, 'appendMany(id, [], { replaceNewest }) removes the newest turns and refreshes', async (h) => {
      const store = await h.open();
      const turn = (content: string): TurnInput => ({ role: 'user', content });
      await store.appendMany('a', [turn('a1'), turn('a2'), turn('a3')]);
      await store.append('b', 'user', 'b1');
      await tick(h);
      await store.appendMany('a', [], { replaceNewest: 2 });
      await assertHolds(store, { a: [turn('a1')], b: [turn('b1')] });
      assert.deepEqual(ids(await listAll(store)), ['a', 'b'], 'a removal is a write: a is the most recently used');
      // replaceNewest 0, or nothing to remove: nothing changes, nothing is refreshed.
      await tick(h);
      const before = await snapshot(store);
      await store.appendMany('b', [], { replaceNewest: 0 });
      await store.appendMany('b', []);
      await store.appendMany('z', [], { replaceNewest: 3 });
      assert.deepEqual(await snapshot(store), before);
      // Removing every turn: gone, as if deleted.
      await store.appendMany('a', [], { replaceNewest: 9 });
      await assertHolds(store, { b: [turn('b1')] });
      assert.deepEqual(h.evictions, []);
    });

    conformanceTest(
      target,
      'replaceNewest on an expired conversation replaces nothing: it starts anew, the old one a ttl eviction',
      async (h) => {
        const store = await h.open({ ttlSeconds: h.ttlSeconds });
        await store.appendMany('a', [QUESTION, CALL]);
        await h.idle(EXPIRED);
        await store.appendMany('a', [RESULT], { replaceNewest: 1 });
        await assertHolds(store, { a: [RESULT] });
        assert.deepEqual(h.evictions, [['a', 'ttl']]);
      },
      { exactEvictionCounts: true },
    );

    conformanceTest(target, 'a bad replaceNewest or options object is refused naming it, and changes nothing', async (h) => {
      const store = await h.open();
      await store.appendMany('a', [QUESTION, CALL]);
      await store.append('b', 'user', 'b1');
      const before = await snapshot(store);
      const bad: ReadonlyArray<[unknown, string]> = [
        [{ replaceNewest: -1 }, 'replaceNewest'],
        [{ replaceNewest: 1.5 }, 'replaceNewest'],
        [{ replaceNewest: Number.NaN }, 'replaceNewest'],
        [{ replaceNewest: Infinity }, 'replaceNewest'],
        [{ replaceNewest: 2 ** 53 }, 'replaceNewest'],
        [{ replaceNewest: '1' }, 'replaceNewest'],
        [{ replaceNewest: null }, 'replaceNewest'],
        [{ replaceNewest: 1, replace: 1 }, 'replace'],
        [null, 'appendMany'],
        [7, 'appendMany'],
        [[], 'appendMany'],
      ];
      for (const [options, mentions] of bad) {
        for (const turns of [[RESULT], []]) {
          const what = `appendMany with ${turns.length} turns and options ${String(JSON.stringify(options))}`;
          await assertRejects(
            () => store.appendMany('a', turns, options as { replaceNewest: number }),
            'TURNSTORE_INVALID_OPTION',
            mentions,
          ).catch(explain(what));
          assert.deepEqual(await snapshot(store), before, `${what} changed nothing`);
        }
      }
      // A bad turn with a good replaceNewest removes nothing either.
      await assertRejects(
        () => store.appendMany('a', [{ role: 'robot' as 'user', content: 'x' }], { replaceNewest: 1 }),
        'TURNSTORE_INVALID_TURN',
      );
      await assertRejects(
        () => store.appendMany('a', [{ role: 'user', content: 'x'.repeat(70_000) }], { replaceNewest: 1 }),
        'TURNSTORE_TURN_TOO_LARGE',
      );
      assert.deepEqual(await snapshot(store), before);
    });
  });
}
