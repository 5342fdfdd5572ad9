import assert from 'node:assert/strict';
import type { Turn } from '../../core/types.js';
import { conformanceTest, contents, coreStats, group, listAll } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** Registers the tests of storing and reading turns: `append`, `appendMany`, `get`, `maxTurns`. */
export function turnTests(target: ResolvedTarget): void {
  group(target, 'turns', () => {
    conformanceTest(target, 'a new store is empty', async (h) => {
      const store = await h.open();
      assert.deepEqual(await store.get('a'), []);
      assert.equal(await store.size(), 0);
      const page = await store.list();
      assert.deepEqual(page.items, []);
      assert.equal(page.cursor, undefined);
      assert.deepEqual(await coreStats(store), { conversations: 0, turns: 0, bytes: 0, evictions: { ttl: 0, lru: 0, bytes: 0 } });
    });

    conformanceTest(target, 'get returns the appended turns oldest first, as {role, content, ts}', async (h) => {
      const store = await h.open();
      const first = h.clockForStamp();
      await store.append('a', 'user', 'Hello!');
      await h.advance(h.injectedClock ? 1234 : 5);
      const second = h.clockForStamp();
      await store.append('a', 'assistant', 'Hi, how can I help?');
      const after = h.clockForStamp();
      const turns = await store.get('a');
      assert.equal(turns.length, 2);
      assert.deepEqual(
        turns.map(({ role, content }) => ({ role, content })),
        [
          { role: 'user', content: 'Hello!' },
          { role: 'assistant', content: 'Hi, how can I help?' },
        ],
      );
      for (const turn of turns) assert.deepEqual(Object.keys(turn).sort(), ['content', 'role', 'ts']);
      h.assertStamp(turns[0]!.ts, first, second);
      h.assertStamp(turns[1]!.ts, second, after);
      assert.ok(turns[1]!.ts >= turns[0]!.ts, 'a later turn cannot carry an earlier ts');
      if (h.injectedClock)
        assert.deepEqual(turns, [
          { role: 'user', content: 'Hello!', ts: first / 1000 },
          { role: 'assistant', content: 'Hi, how can I help?', ts: second / 1000 },
        ]);
    });

    conformanceTest(target, 'every role round-trips, and empty content is allowed', async (h) => {
      const store = await h.open();
      await store.append('a', 'system', 'Be brief.');
      await store.append('a', 'user', '');
      await store.append('a', 'assistant', 'calling a tool');
      await store.append('a', 'tool', '{"temperature": 21}');
      const turns = await store.get('a');
      assert.deepEqual(
        turns.map(({ role, content }) => [role, content]),
        [
          ['system', 'Be brief.'],
          ['user', ''],
          ['assistant', 'calling a tool'],
          ['tool', '{"temperature": 21}'],
        ],
      );
    });

    conformanceTest(target, 'content is stored exactly: unicode, newlines, NUL, JSON-looking text', async (h) => {
      const store = await h.open();
      const samples = [
        'héllo wörld',
        '😀 emoji 👩‍👩‍👧',
        '\u0000nul\u0000',
        'line1\nline2\r\n',
        '{"role":"system"}',
        '   ',
        'e\u0301 vs \u00e9',
      ];
      for (const sample of samples) await store.append('a', 'user', sample);
      assert.deepEqual(contents(await store.get('a')), samples.slice(-8));
    });

    conformanceTest(target, 'get hands out fresh copies: mutating them never changes the store', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'one');
      await store.append('a', 'assistant', 'two');
      const expected = await store.get('a');
      const handedOut = await store.get('a');
      // Frozen turns are fine too (SPEC §1): in strict mode writing to them throws, which is ignored.
      for (const turn of handedOut) {
        try {
          (turn as { content: string }).content = 'changed';
        } catch {
          /* frozen */
        }
        try {
          (turn as { role: string }).role = 'system';
        } catch {
          /* frozen */
        }
        try {
          (turn as { ts: number }).ts = 0;
        } catch {
          /* frozen */
        }
      }
      try {
        handedOut.reverse();
        handedOut.push({ role: 'user', content: 'extra', ts: 1 });
      } catch {
        /* frozen */
      }
      try {
        handedOut.length = 0;
      } catch {
        /* frozen */
      }
      assert.deepEqual(await store.get('a'), expected);
      const [item] = await listAll(store);
      assert.ok(item);
      for (const turn of item.turns) {
        try {
          (turn as { content: string }).content = 'changed via list';
        } catch {
          /* frozen */
        }
      }
      try {
        item.turns.length = 0;
      } catch {
        /* frozen */
      }
      assert.deepEqual(await store.get('a'), expected);
      assert.deepEqual((await listAll(store))[0]?.turns, expected);
    });

    conformanceTest(target, 'the store keeps its own copy of what appendMany was given', async (h) => {
      const store = await h.open();
      const input = [
        { role: 'user' as const, content: 'question' },
        { role: 'assistant' as const, content: 'answer' },
      ];
      await store.appendMany('a', input);
      (input[0] as { content: string }).content = 'mutated';
      input.pop();
      assert.deepEqual(contents(await store.get('a')), ['question', 'answer']);
    });

    conformanceTest(target, 'maxTurns keeps the newest turns', async (h) => {
      const store = await h.open({ maxTurns: 3 });
      for (let i = 1; i <= 5; i++) await store.append('a', 'user', `turn ${i}`);
      assert.deepEqual(contents(await store.get('a')), ['turn 3', 'turn 4', 'turn 5']);
      const stats = await coreStats(store);
      assert.equal(stats.turns, 3);
      assert.equal(stats.bytes, 18);
    });

    conformanceTest(target, 'maxTurns 1 keeps only the last turn', async (h) => {
      const store = await h.open({ maxTurns: 1 });
      await store.append('a', 'user', 'first');
      await store.append('a', 'assistant', 'second');
      assert.deepEqual(
        (await store.get('a')).map(({ role, content }) => [role, content]),
        [['assistant', 'second']],
      );
    });

    conformanceTest(target, 'appendMany stores the turns in order, all with the same ts', async (h) => {
      const store = await h.open();
      await store.append('a', 'system', 'earlier');
      await h.advance(h.injectedClock ? 500 : 5);
      const before = h.clockForStamp();
      await store.appendMany('a', [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: '4' },
        { role: 'user', content: 'Thanks' },
      ]);
      const after = h.clockForStamp();
      const turns = await store.get('a');
      assert.deepEqual(contents(turns), ['earlier', 'What is 2+2?', '4', 'Thanks']);
      const batch = turns.slice(1);
      assert.ok(
        batch.every((turn) => turn.ts === batch[0]!.ts),
        `one appendMany, one ts; got ${batch.map((t) => t.ts).join(', ')}`,
      );
      h.assertStamp(batch[0]!.ts, before, after);
    });

    conformanceTest(target, 'appendMany with more than maxTurns turns keeps the newest maxTurns', async (h) => {
      const store = await h.open({ maxTurns: 2 });
      await store.append('a', 'user', 'old');
      await store.appendMany(
        'a',
        ['t1', 't2', 't3', 't4', 't5'].map((content) => ({ role: 'user' as const, content })),
      );
      assert.deepEqual(contents(await store.get('a')), ['t4', 't5']);
      await store.appendMany('b', [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y' },
        { role: 'user', content: 'z' },
      ]);
      assert.deepEqual(contents(await store.get('b')), ['y', 'z']);
      const stats = await coreStats(store);
      assert.equal(stats.turns, 4);
      assert.equal(stats.bytes, 6);
    });

    conformanceTest(target, 'appendMany(id, []) creates nothing', async (h) => {
      const store = await h.open();
      await store.appendMany('a', []);
      assert.equal(await store.size(), 0);
      assert.deepEqual(await listAll(store), []);
      assert.deepEqual(await store.get('a'), []);
      assert.equal((await coreStats(store)).conversations, 0);
    });

    conformanceTest(target, 'stats counts conversations, turns and UTF-8 bytes of content', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'é😀€'); // 2 + 4 + 3 bytes
      await store.append('a', 'assistant', 'abc');
      await store.append('b', 'user', '');
      await store.appendMany('c', [
        { role: 'user', content: 'ü' },
        { role: 'tool', content: '1' },
      ]);
      assert.deepEqual(await coreStats(store), {
        conversations: 3,
        turns: 5,
        bytes: 9 + 3 + 0 + 2 + 1,
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
      const stats = await store.stats();
      for (const field of ['conversations', 'turns', 'bytes'] as const) assert.equal(typeof stats[field], 'number');
    });

    conformanceTest(target, 'conversations are independent of each other', async (h) => {
      const store = await h.open({ maxTurns: 2 });
      await store.append('a', 'user', 'a1');
      await store.append('b', 'user', 'b1');
      await store.append('a', 'user', 'a2');
      await store.append('a', 'user', 'a3');
      const a: Turn[] = await store.get('a');
      assert.deepEqual(contents(a), ['a2', 'a3']);
      assert.deepEqual(contents(await store.get('b')), ['b1']);
    });
  });
}
