import assert from 'node:assert/strict';
import { assertRejects, conformanceTest, contents, explain, group, ids, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/**
 * Ids that are plain data yet tend to be read as syntax somewhere: object keys of the prototype,
 * Redis key separators and hash tags, glob patterns, paths, SQL, URL escapes, astral characters,
 * whitespace, and ids differing only by case or Unicode normalization.
 */
export const TRICKY_IDS: readonly string[] = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'valueOf',
  'a:b',
  '{x}',
  'turnstore:{x}:y',
  '*',
  '?',
  '[a-z]',
  '../x',
  '/etc/passwd',
  "'; DROP TABLE t; --",
  '%2F',
  '%',
  '😀',
  'x'.repeat(256),
  '😀'.repeat(128),
  ' ',
  ' a',
  'a ',
  '\t\n',
  'A',
  'a',
  'e\u0301',
  '\u00e9',
  '0',
  'null',
  'undefined',
];

/** Values that are not ids, each with why. */
const INVALID_IDS: ReadonlyArray<readonly [string, unknown]> = [
  ['a number', 5],
  ['null', null],
  ['undefined', undefined],
  ['an object', {}],
  ['an array', ['a']],
  ['the empty string', ''],
  ['257 code units', 'x'.repeat(257)],
  ['257 code units with emoji', `${'😀'.repeat(128)}x`],
  ['a lone high surrogate', '\uD800'],
  ['a lone low surrogate inside', 'a\uDC00b'],
  ['a high surrogate at the end', 'b\uD83D'],
];

/** Registers the tests of conversation ids (SPEC §4, decision 2). */
export function idTests(target: ResolvedTarget): void {
  group(target, 'ids', () => {
    conformanceTest(target, 'tricky ids are plain data: each keeps its own turns and lists as-is', async (h) => {
      const store = await h.open({ maxConversations: 1000 });
      for (const [index, id] of TRICKY_IDS.entries()) await store.append(id, 'user', `turn of #${index}`);
      assert.equal(await store.size(), TRICKY_IDS.length);
      for (const [index, id] of TRICKY_IDS.entries()) {
        assert.deepEqual(contents(await store.get(id)), [`turn of #${index}`], `id ${JSON.stringify(id)}`);
      }
      assert.deepEqual(ids(await listAll(store)).sort(), [...TRICKY_IDS].sort());
      // pop and replaceNewest reach only their own conversation.
      await store.appendMany('{x}', [{ role: 'user', content: 'second' }]);
      assert.equal((await store.pop('{x}'))?.content, 'second');
      await store.appendMany('{x}', [{ role: 'user', content: 'replaced' }], { replaceNewest: 1 });
      await store.appendMany('{x}', [{ role: 'user', content: `turn of #${TRICKY_IDS.indexOf('{x}')}` }], { replaceNewest: 1 });
      assert.equal(await store.delete('__proto__'), true);
      assert.equal(await store.delete('turnstore:{x}:y'), true);
      assert.equal(await store.size(), TRICKY_IDS.length - 2);
      for (const [index, id] of TRICKY_IDS.entries()) {
        const expected = id === '__proto__' || id === 'turnstore:{x}:y' ? [] : [`turn of #${index}`];
        assert.deepEqual(contents(await store.get(id)), expected, `id ${JSON.stringify(id)} after deleting two others`);
      }
    });

    conformanceTest(target, 'tricky ids are unknown on a fresh store (nothing inherited)', async (h) => {
      const store = await h.open();
      for (const id of TRICKY_IDS) {
        assert.deepEqual(await store.get(id), [], `get ${JSON.stringify(id)}`);
        assert.equal(await store.delete(id), false, `delete ${JSON.stringify(id)}`);
        assert.equal(await store.pop(id), undefined, `pop ${JSON.stringify(id)}`);
      }
      assert.equal(await store.size(), 0);
      assert.deepEqual(await listAll(store), []);
    });

    conformanceTest(target, 'non-string, empty, too long or ill-formed ids reject with TURNSTORE_INVALID_ID', async (h) => {
      const store = await h.open();
      await store.append('kept', 'user', 'hello');
      for (const [why, id] of INVALID_IDS) {
        const bad = id as string;
        await assertRejects(() => store.get(bad), 'TURNSTORE_INVALID_ID').catch(explain(`get with ${why}`));
        await assertRejects(() => store.append(bad, 'user', 'x'), 'TURNSTORE_INVALID_ID').catch(explain(`append with ${why}`));
        await assertRejects(() => store.appendMany(bad, [{ role: 'user', content: 'x' }]), 'TURNSTORE_INVALID_ID').catch(
          explain(`appendMany with ${why}`),
        );
        await assertRejects(() => store.appendMany(bad, []), 'TURNSTORE_INVALID_ID').catch(explain(`appendMany([]) with ${why}`));
        await assertRejects(() => store.delete(bad), 'TURNSTORE_INVALID_ID').catch(explain(`delete with ${why}`));
        await assertRejects(() => store.pop(bad), 'TURNSTORE_INVALID_ID').catch(explain(`pop with ${why}`));
        await assertRejects(() => store.appendMany(bad, [], { replaceNewest: 1 }), 'TURNSTORE_INVALID_ID').catch(
          explain(`appendMany([], { replaceNewest: 1 }) with ${why}`),
        );
      }
      assert.equal(await store.size(), 1);
      assert.deepEqual(ids(await listAll(store)), ['kept']);
    });
  });
}
