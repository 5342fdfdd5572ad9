import assert from 'node:assert/strict';
import type { ConversationStore, ConversationSummary, ListOptions } from '../../core/types.js';
import { assertRejects, conformanceTest, explain, group, ids, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** One page of `list` with its items typed as the suite expects them. */
async function page(store: ConversationStore, options: ListOptions): Promise<{ items: ConversationSummary[]; cursor: string | undefined }> {
  const result = await store.list(options);
  return { items: result.items, cursor: result.cursor };
}

/** Appends one turn to each id in order, so the last one is the most recently used. */
async function fill(store: ConversationStore, names: readonly string[]): Promise<void> {
  for (const id of names) await store.append(id, 'user', `turn of ${id}`);
}

/** Ids of the pages after `cursor`, following cursors to the end. */
async function restOfPages(store: ConversationStore, cursor: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let next: string | undefined = cursor;
  for (let pages = 0; next !== undefined; pages++) {
    assert.ok(pages < 100, 'paging never ended');
    const result = await page(store, { limit, cursor: next });
    seen.push(...ids(result.items));
    next = result.cursor;
  }
  return seen;
}

/** Registers the tests of `list` and its cursors (decision 10). */
export function listTests(target: ResolvedTarget): void {
  group(target, 'list', () => {
    conformanceTest(target, 'lists live conversations most recently used first, as {id, turns, lastAccess}', async (h) => {
      const store = await h.open();
      const touched: Record<string, [number, number]> = {};
      for (const id of ['a', 'b', 'c']) {
        const before = h.clockForStamp();
        await store.append(id, 'user', `${id}1`);
        touched[id] = [before, h.clockForStamp()];
        await h.advance(h.injectedClock ? 1000 : 2);
      }
      await store.append('a', 'assistant', 'a2');
      const before = h.clockForStamp();
      const aTurns = await store.get('a');
      touched.a = [before, h.clockForStamp()];
      const result = await page(store, {});
      assert.equal(result.cursor, undefined);
      assert.deepEqual(ids(result.items), ['a', 'c', 'b']);
      for (const item of result.items) {
        assert.deepEqual(Object.keys(item).sort(), ['id', 'lastAccess', 'turns']);
        assert.deepEqual(item.turns, item.id === 'a' ? aTurns : await store.get(item.id), `turns of ${item.id} as get returns them`);
        const [from, to] = touched[item.id]!;
        h.assertStamp(item.lastAccess, from, to, `lastAccess of ${item.id}`);
      }
    });

    conformanceTest(target, 'an empty store lists no items and no cursor', async (h) => {
      const store = await h.open();
      assert.deepEqual(await page(store, {}), { items: [], cursor: undefined });
      assert.deepEqual(await page(store, { limit: 1 }), { items: [], cursor: undefined });
    });

    conformanceTest(target, 'the default limit is 100', async (h) => {
      const store = await h.open();
      const names = Array.from({ length: 101 }, (_, i) => `c${String(i).padStart(3, '0')}`);
      await fill(store, names);
      const first = await store.list();
      assert.equal(first.items.length, 100);
      assert.equal(typeof first.cursor, 'string');
      const second = await page(store, { cursor: first.cursor! });
      assert.deepEqual(ids(second.items), ['c000']);
      assert.equal(second.cursor, undefined);
    });

    conformanceTest(target, 'a cursor is present exactly when more items follow', async (h) => {
      const store = await h.open();
      await fill(store, ['a', 'b', 'c', 'd']);
      const first = await page(store, { limit: 2 });
      assert.deepEqual(ids(first.items), ['d', 'c']);
      assert.equal(typeof first.cursor, 'string');
      assert.ok(first.cursor!.length > 0);
      const second = await page(store, { limit: 2, cursor: first.cursor! });
      assert.deepEqual(ids(second.items), ['b', 'a']);
      assert.equal(second.cursor, undefined, 'no cursor after the last page, even when it is full');
      for (const limit of [4, 5, 1000]) {
        const whole = await page(store, { limit });
        assert.equal(whole.items.length, 4);
        assert.equal(whole.cursor, undefined, `limit ${limit}`);
      }
    });

    conformanceTest(target, 'paging yields every conversation exactly once, in recency order', async (h) => {
      const store = await h.open();
      await fill(store, ['a', 'b', 'c', 'd', 'e']);
      const first = await page(store, { limit: 2 });
      assert.deepEqual(ids(first.items), ['e', 'd']);
      assert.deepEqual(await restOfPages(store, first.cursor!, 2), ['c', 'b', 'a']);
      assert.deepEqual(ids(await listAll(store, 1)), ['e', 'd', 'c', 'b', 'a']);
      assert.deepEqual(ids(await listAll(store, 3)), ['e', 'd', 'c', 'b', 'a']);
    });

    for (const touch of ['get', 'append'] as const) {
      conformanceTest(target, `a conversation touched (${touch}) between pages makes no other skipped or repeated`, async (h) => {
        // Touch one already listed (e), the one the cursor follows (d), the next one (c), the last (a).
        for (const touchedId of ['e', 'd', 'c', 'a']) {
          const store = await h.open();
          await fill(store, ['a', 'b', 'c', 'd', 'e']);
          const first = await page(store, { limit: 2 });
          assert.deepEqual(ids(first.items), ['e', 'd']);
          if (touch === 'get') await store.get(touchedId);
          else await store.append(touchedId, 'assistant', 'touch');
          const rest = await restOfPages(store, first.cursor!, 2);
          const untouched = ['e', 'd', 'c', 'b', 'a'].filter((id) => id !== touchedId);
          const seenUntouched = [...ids(first.items), ...rest].filter((id) => id !== touchedId);
          assert.deepEqual(
            seenUntouched,
            untouched,
            `touched ${touchedId}: every other conversation once, in order; rest of pages ${JSON.stringify(rest)}`,
          );
          assert.ok(rest.filter((id) => id === touchedId).length <= 1, `touched ${touchedId} shows at most once in the rest`);
        }
      });
    }

    conformanceTest(target, 'paging survives the deletion of the last listed conversation and new conversations', async (h) => {
      const store = await h.open();
      await fill(store, ['a', 'b', 'c', 'd', 'e']);
      const first = await page(store, { limit: 2 });
      assert.equal(await store.delete('d'), true);
      await store.append('f', 'user', 'new');
      const rest = await restOfPages(store, first.cursor!, 2);
      assert.deepEqual(
        rest.filter((id) => id !== 'f'),
        ['c', 'b', 'a'],
      );
    });

    conformanceTest(target, 'a limit outside 1..1000, or not an integer, rejects with TURNSTORE_INVALID_OPTION', async (h) => {
      const store = await h.open();
      await fill(store, ['a']);
      for (const limit of [0, -1, 1.5, 1001, NaN, Infinity, '10', null]) {
        await assertRejects(() => store.list({ limit: limit as number }), 'TURNSTORE_INVALID_OPTION', 'limit').catch(
          explain(`limit ${String(limit)}`),
        );
      }
      assert.equal((await page(store, { limit: 1 })).items.length, 1);
      assert.equal((await page(store, { limit: 1000 })).items.length, 1);
    });

    conformanceTest(target, 'a cursor that is not one list returned rejects with TURNSTORE_INVALID_OPTION', async (h) => {
      const store = await h.open();
      await fill(store, ['a', 'b', 'c']);
      for (const cursor of ['', 5, {}, null]) {
        await assertRejects(() => store.list({ limit: 1, cursor: cursor as string }), 'TURNSTORE_INVALID_OPTION', 'cursor').catch(
          explain(`cursor ${JSON.stringify(cursor)}`),
        );
      }
      for (const cursor of ['garbage', 'not a cursor!', '%%%', '{"x":1}', '😀', '\u0000']) {
        await assertRejects(() => store.list({ limit: 1, cursor }), 'TURNSTORE_INVALID_OPTION').catch(
          explain(`cursor ${JSON.stringify(cursor)}`),
        );
      }
    });
  });
}
