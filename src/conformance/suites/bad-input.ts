import assert from 'node:assert/strict';
import type { TurnstoreErrorCode } from '../../core/errors.js';
import type { ConversationStore, Role, TurnInput } from '../../core/types.js';
import { assertRejects, conformanceTest, contents, coreStats, explain, group, snapshot } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

const INVALID_ROLES: readonly unknown[] = ['robot', 'User', 'ASSISTANT', '', ' user', 'user ', null, undefined, 5, {}, ['user']];
const INVALID_CONTENTS: readonly unknown[] = [5, null, undefined, {}, ['x'], true, new String('x'), '\uD800', 'a\uDFFFb', 'x\uD83D'];

/** With maxTurnBytes 4: contents at or under the limit in UTF-8 bytes ('é' 2, '€' 3, '😀' 4). */
const FITS_IN_4_BYTES = ['', 'abcd', 'éé', '😀', '€a', 'éa'];
/** With maxTurnBytes 4: contents over it, some only in bytes, not in UTF-16 length ('ééé' has length 3). */
const OVER_4_BYTES = ['abcde', 'ééa', 'ééé', '😀a', '€ab', '€€', 'é€'];

/** One way to make a call fail, and the code it must fail with. */
interface BadCall {
  readonly what: string;
  readonly code: TurnstoreErrorCode;
  readonly call: (store: ConversationStore, id: string) => Promise<unknown>;
}

/** Bad calls against a store with maxTurnBytes 4. */
function badCalls(): BadCall[] {
  const calls: BadCall[] = [];
  const ok: TurnInput = { role: 'user', content: 'ok' };
  for (const role of INVALID_ROLES) {
    calls.push({
      what: `append with role ${String(role)}`,
      code: 'TURNSTORE_INVALID_TURN',
      call: (s, id) => s.append(id, role as Role, 'x'),
    });
  }
  for (const content of INVALID_CONTENTS) {
    calls.push({
      what: `append with content ${JSON.stringify(content)}`,
      code: 'TURNSTORE_INVALID_TURN',
      call: (s, id) => s.append(id, 'user', content as string),
    });
  }
  for (const content of OVER_4_BYTES) {
    calls.push({
      what: `append with content ${content}`,
      code: 'TURNSTORE_TURN_TOO_LARGE',
      call: (s, id) => s.append(id, 'user', content),
    });
  }
  const badTurns: ReadonlyArray<readonly [string, unknown, TurnstoreErrorCode]> = [
    ['a bad role', { role: 'robot', content: 'x' }, 'TURNSTORE_INVALID_TURN'],
    ['a missing role', { content: 'x' }, 'TURNSTORE_INVALID_TURN'],
    ['non-string content', { role: 'user', content: 42 }, 'TURNSTORE_INVALID_TURN'],
    ['missing content', { role: 'user' }, 'TURNSTORE_INVALID_TURN'],
    ['a lone surrogate', { role: 'user', content: '\uDC00' }, 'TURNSTORE_INVALID_TURN'],
    ['too large content', { role: 'user', content: 'ééé' }, 'TURNSTORE_TURN_TOO_LARGE'],
    ['null', null, 'TURNSTORE_INVALID_TURN'],
    ['a string', 'hello', 'TURNSTORE_INVALID_TURN'],
    ['a number', 5, 'TURNSTORE_INVALID_TURN'],
  ];
  for (const [why, bad, code] of badTurns) {
    for (const position of [0, 1, 2]) {
      const turns = [ok, ok];
      turns.splice(position, 0, bad as TurnInput);
      calls.push({ what: `appendMany with ${why} at index ${position} of 3`, code, call: (s, id) => s.appendMany(id, turns) });
    }
  }
  for (const turns of ['x', null, undefined, 5, { role: 'user', content: 'x' }, new Set([ok])]) {
    calls.push({
      what: `appendMany with turns ${String(turns)}`,
      code: 'TURNSTORE_INVALID_TURN',
      call: (s, id) => s.appendMany(id, turns as unknown as TurnInput[]),
    });
  }
  return calls;
}

/** Registers the tests of bad turns (SPEC §4, decision 3): the right code, and no change at all. */
export function badInputTests(target: ResolvedTarget): void {
  group(target, 'bad input', () => {
    conformanceTest(target, 'bad roles, bad content and bad turn lists reject with the right code', async (h) => {
      const store = await h.open({ maxTurnBytes: 4 });
      for (const bad of badCalls()) {
        await assertRejects(() => bad.call(store, 'a'), bad.code).catch(explain(bad.what));
      }
    });

    conformanceTest(target, 'content is measured in UTF-8 bytes: exactly maxTurnBytes fits, one more is too large', async (h) => {
      const store = await h.open({ maxTurnBytes: 4, maxConversations: 100 });
      for (const [index, content] of FITS_IN_4_BYTES.entries()) await store.append(`fits ${index}`, 'user', content);
      for (const content of OVER_4_BYTES) {
        await assertRejects(() => store.append('over', 'user', content), 'TURNSTORE_TURN_TOO_LARGE').catch(
          explain(JSON.stringify(content)),
        );
      }
      const stats = await coreStats(store);
      assert.equal(stats.conversations, FITS_IN_4_BYTES.length);
      assert.equal(stats.bytes, 0 + 4 + 4 + 4 + 4 + 3);
      assert.deepEqual(await store.get('over'), []);
    });

    conformanceTest(target, 'appendMany checks every turn against maxTurnBytes, not the batch total', async (h) => {
      const store = await h.open({ maxTurnBytes: 4 });
      await store.appendMany('a', [
        { role: 'user', content: 'abcd' },
        { role: 'assistant', content: '😀' },
        { role: 'user', content: 'éé' },
      ]);
      assert.deepEqual(contents(await store.get('a')), ['abcd', '😀', 'éé']);
    });

    conformanceTest(target, 'a rejected call changes nothing: not turns, recency, TTL, or existence', async (h) => {
      const store = await h.open({ maxTurnBytes: 4, maxConversations: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('a', 'assistant', 'a2');
      await h.advance(h.injectedClock ? 1000 : 5);
      await store.append('b', 'user', 'b1');
      await h.advance(h.injectedClock ? 1000 : 5);
      const before = await snapshot(store);
      for (const bad of badCalls()) {
        for (const id of ['a', 'b', 'new']) {
          await assertRejects(() => bad.call(store, id), bad.code).catch(explain(`${bad.what} on ${id}`));
        }
      }
      await assertRejects(() => store.append('x'.repeat(257), 'user', 'x'), 'TURNSTORE_INVALID_ID');
      assert.deepEqual(await snapshot(store), before, 'size, stats and listing (order, turns, lastAccess) must be as before');
      // 'a' is still the least recently used: the rejected calls on it did not refresh it.
      await store.append('c', 'user', 'c1');
      assert.deepEqual(h.evictions, [['a', 'lru']]);
      assert.deepEqual(await store.get('new'), []);
    });
  });
}
