import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ESTIMATED_TOKENS_PER_ATTACHMENT,
  ESTIMATED_TOKENS_PER_MESSAGE,
  MemoryStore,
  TurnstoreError,
  contextWindow,
  estimateTokens,
  type Role,
  type TurnLike,
} from '../../src/index.js';

const turn = (role: Role, content: string): TurnLike => ({ role, content });
const u = (content: string) => turn('user', content);
const a = (content: string) => turn('assistant', content);
const s = (content: string) => turn('system', content);
const t = (content: string) => turn('tool', content);

/** A counter where a turn costs the number in its content (so tests read as arithmetic). */
const byNumber = (x: TurnLike): number => Number(x.content.replace(/\D.*$/, '')) || 0;
const contents = (turns: readonly TurnLike[]) => turns.map((x) => `${x.role[0]}${x.content}`);
/** An assistant turn calling tools with these ids, and the tool turn answering one. */
const calls = (content: string, ...ids: string[]): TurnLike => ({
  role: 'assistant',
  content,
  toolCalls: ids.map((id) => ({ id, name: 'lookup', arguments: '{}' })),
});
const result = (content: string, id: string): TurnLike => ({ role: 'tool', content, toolCallId: id });
/** Like `contents`, with the call ids: `A1[c1,c2]` for a call, `t1>c1` for its result. */
const shown = (turns: readonly TurnLike[]) =>
  turns.map((x) =>
    x.toolCalls?.length
      ? `A${x.content}[${x.toolCalls.map((c) => c.id).join(',')}]`
      : x.toolCallId !== undefined
        ? `t${x.content}>${x.toolCallId}`
        : `${x.role[0]}${x.content}`,
  );

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TurnstoreError, `not a TurnstoreError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('contextWindow', () => {
  it('keeps every system turn, then the newest others that fit, in their original order', () => {
    const history = [s('2'), u('3'), a('3'), u('3'), s('1'), a('3'), u('3'), a('3')];
    // Budget 15: systems take 3, leaving 12 → the newest four non-system turns (u a u a at 3 each).
    assert.deepEqual(contents(contextWindow(history, { maxTokens: 15, countTokens: byNumber })), ['s2', 'u3', 's1', 'a3', 'u3', 'a3']);
  });

  it('never opens (after the system turns) with an assistant or tool turn', () => {
    const history = [s('1'), u('5'), a('1'), t('1'), a('1'), u('1'), a('1')];
    // 1 system + budget 5 → newest 4 non-system fit (t a u a = 4), but the window may not open on a tool or assistant turn.
    assert.deepEqual(contents(contextWindow(history, { maxTokens: 6, countTokens: byNumber })), ['s1', 'u1', 'a1']);
  });

  it('stops at the first turn that does not fit: no older turn is taken past a newer one left out', () => {
    const history = [u('1'), a('1'), u('50'), a('1'), u('1'), a('1')];
    assert.deepEqual(contents(contextWindow(history, { maxTokens: 10, countTokens: byNumber })), ['u1', 'a1']);
  });

  it('counts "fits" inclusively: a window of exactly maxTokens is kept', () => {
    assert.deepEqual(contents(contextWindow([s('4'), u('3'), a('3')], { maxTokens: 10, countTokens: byNumber })), ['s4', 'u3', 'a3']);
    assert.deepEqual(contents(contextWindow([s('4'), u('3'), a('3')], { maxTokens: 9, countTokens: byNumber })), ['s4']);
  });

  describe('edges', () => {
    it('empty history → []', () => {
      assert.deepEqual(contextWindow([], { maxTokens: 100 }), []);
      assert.deepEqual(contextWindow([], { maxTokens: 0 }), []);
    });

    it('nothing but the system turns fits → the system turns alone (or [] without any)', () => {
      assert.deepEqual(contents(contextWindow([s('1'), u('1'), a('20')], { maxTokens: 10, countTokens: byNumber })), ['s1']);
      assert.deepEqual(contextWindow([u('1'), a('20')], { maxTokens: 10, countTokens: byNumber }), []);
      // The newest turn fits but is a reply whose question does not: no history rather than half an exchange.
      assert.deepEqual(contents(contextWindow([s('1'), u('20'), a('1')], { maxTokens: 10, countTokens: byNumber })), ['s1']);
      // No user turn at all: nothing to open the window with.
      assert.deepEqual(contextWindow([a('1'), t('1'), a('1')], { maxTokens: 10, countTokens: byNumber }), []);
    });

    it('system turns alone over budget → TURNSTORE_INVALID_OPTION naming maxTokens and both figures', () => {
      throwsCode(
        () => contextWindow([s('6'), u('1'), s('5')], { maxTokens: 10, countTokens: byNumber }),
        'TURNSTORE_INVALID_OPTION',
        /2 system turns alone take 11 tokens, more than maxTokens \(10\)/,
      );
      throwsCode(
        () => contextWindow([s('hello')], { maxTokens: 0 }),
        'TURNSTORE_INVALID_OPTION',
        /1 system turn alone takes 6 tokens, more than maxTokens \(0\)/,
      );
    });

    it('maxTokens 0 → [] without system turns; zero-cost turns still fit', () => {
      assert.deepEqual(contextWindow([u('hi'), a('hello')], { maxTokens: 0 }), []);
      assert.deepEqual(contents(contextWindow([s('0'), u('0'), a('0')], { maxTokens: 0, countTokens: byNumber })), ['s0', 'u0', 'a0']);
    });

    it('bad options → TURNSTORE_INVALID_OPTION naming the option', () => {
      for (const maxTokens of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', undefined, null]) {
        throwsCode(
          () => contextWindow([u('hi')], { maxTokens } as never),
          'TURNSTORE_INVALID_OPTION',
          /option "maxTokens" must be an integer ≥ 0/,
        );
      }
      for (const countTokens of ['gpt-4o', 3, null, {}]) {
        throwsCode(
          () => contextWindow([u('hi')], { maxTokens: 10, countTokens } as never),
          'TURNSTORE_INVALID_OPTION',
          /option "countTokens" must be a function/,
        );
      }
      throwsCode(
        () => contextWindow([u('hi')], { maxTokens: 10, maxToken: 5 } as never),
        'TURNSTORE_INVALID_OPTION',
        /unknown option "maxToken"/,
      );
      for (const options of [undefined, null, 10, [10]]) {
        throwsCode(() => contextWindow([u('hi')], options as never), 'TURNSTORE_INVALID_OPTION', /options must be an object/);
      }
    });

    it('countTokens returning a non-integer, negative, NaN, infinite or non-number → TURNSTORE_INVALID_OPTION naming countTokens and the turn', () => {
      for (const [value, shown] of [
        [1.5, '1.5'],
        [-1, '-1'],
        [Number.NaN, 'NaN'],
        [Number.POSITIVE_INFINITY, 'Infinity'],
        ['3', '"3"'],
        [undefined, 'undefined'],
      ] as const) {
        throwsCode(
          () => contextWindow([u('a'), a('b')], { maxTokens: 10, countTokens: (x) => (x.role === 'assistant' ? (value as number) : 1) }),
          'TURNSTORE_INVALID_OPTION',
          new RegExp(
            `option "countTokens" must return an integer ≥ 0; it returned ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for turns\\[1\\]`,
          ),
        );
      }
    });

    it('an error thrown by countTokens propagates unchanged', () => {
      const mine = new Error('tokenizer offline');
      assert.throws(
        () =>
          contextWindow([u('a')], {
            maxTokens: 10,
            countTokens: () => {
              throw mine;
            },
          }),
        (error) => error === mine,
      );
    });

    it('bad turns → TURNSTORE_INVALID_TURN naming turns[i]', () => {
      throwsCode(() => contextWindow('hello' as never, { maxTokens: 10 }), 'TURNSTORE_INVALID_TURN', /turns must be an array/);
      throwsCode(() => contextWindow([u('a'), null] as never, { maxTokens: 10 }), 'TURNSTORE_INVALID_TURN', /turns\[1\] must be an object/);
      throwsCode(
        () => contextWindow([u('a'), { role: 'developer', content: 'x' }] as never, { maxTokens: 10 }),
        'TURNSTORE_INVALID_TURN',
        /role of turns\[1\] must be one of user, assistant, system, tool; got "developer"/,
      );
      throwsCode(
        () => contextWindow([{ role: 'user', content: ['a'] }] as never, { maxTokens: 10 }),
        'TURNSTORE_INVALID_TURN',
        /content of turns\[0\] must be a string/,
      );
    });

    it('checks every turn, also those older than the window', () => {
      throwsCode(
        () => contextWindow([{ role: 'robot', content: 'x' }, u('1')] as never, { maxTokens: 1, countTokens: byNumber }),
        'TURNSTORE_INVALID_TURN',
        /turns\[0\]/,
      );
    });
  });

  it('returns a new array of the same turn objects and leaves its input alone', () => {
    const history = [s('x'), u('y'), a('z')];
    const copy = structuredClone(history);
    const window = contextWindow(history, { maxTokens: 1000 });
    assert.notEqual(window, history);
    assert.deepEqual(window, history);
    window.forEach((x, i) => assert.equal(x, history[i]));
    assert.deepEqual(history, copy);
  });

  it('counts each turn at most once, and never the turns older than the first that does not fit', () => {
    const history = [u('1'), a('1'), u('1'), a('9'), s('1'), u('1'), a('1')];
    const calls = new Map<TurnLike, number>();
    const counting = (x: TurnLike) => {
      calls.set(x, (calls.get(x) ?? 0) + 1);
      return byNumber(x);
    };
    assert.deepEqual(contents(contextWindow(history, { maxTokens: 5, countTokens: counting })), ['s1', 'u1', 'a1']);
    assert.deepEqual([...calls.values()], [1, 1, 1, 1]);
    assert.deepEqual(
      history.filter((x) => calls.has(x)).map((x) => x.content),
      ['9', '1', '1', '1'],
    );
  });

  it('takes the turns a store hands out and keeps their type', async () => {
    const memory = new MemoryStore({ maxTurns: 20 });
    await memory.appendMany('c', [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'x'.repeat(400) },
      { role: 'assistant', content: 'y'.repeat(400) },
      { role: 'user', content: 'What is 2 + 2?' },
      { role: 'assistant', content: '4' },
    ]);
    const window = contextWindow(await memory.get('c'), { maxTokens: 50 });
    assert.deepEqual(
      window.map((x) => x.content),
      ['Be brief.', 'What is 2 + 2?', '4'],
    );
    assert.equal(typeof window[0]!.ts, 'number');
    await memory.close();
  });

  describe('tool exchanges', () => {
    it('keeps an exchange whole when it fits: the call, every result (in any order), the answer', () => {
      const history = [u('1'), calls('1', 'c1', 'c2'), result('1', 'c2'), result('1', 'c1'), a('1')];
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 5, countTokens: byNumber })), ['u1', 'A1[c1,c2]', 't1>c2', 't1>c1', 'a1']);
    });

    it('leaves out whole an exchange the budget would cut in half, with the turns up to the next user turn', () => {
      const history = [u('1'), calls('1', 'c1', 'c2'), result('1', 'c1'), result('1', 'c2'), a('1'), u('1'), a('1')];
      // Budget 5 reaches back to the first result (t a u a + t = 5), cutting the exchange: it opens on the newest user turn instead.
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 5, countTokens: byNumber })), ['u1', 'a1']);
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 6, countTokens: byNumber })), ['u1', 'a1']);
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 7, countTokens: byNumber })), [
        'u1',
        'A1[c1,c2]',
        't1>c1',
        't1>c2',
        'a1',
        'u1',
        'a1',
      ]);
    });

    it('never opens on a user turn that sits inside an exchange (between a call and its result)', () => {
      const history = [u('1'), calls('1', 'c1'), u('1'), result('1', 'c1'), a('1')];
      // Budget 3 fits u t a, but opening on that user turn would send the result without its call.
      assert.deepEqual(contextWindow(history, { maxTokens: 3, countTokens: byNumber }), []);
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 5, countTokens: byNumber })), ['u1', 'A1[c1]', 'u1', 't1>c1', 'a1']);
    });

    it('keeps system turns wherever they are, also inside an exchange', () => {
      const history = [s('1'), u('1'), calls('1', 'c1'), s('1'), result('1', 'c1'), u('1'), a('1')];
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 5, countTokens: byNumber })), ['s1', 's1', 'u1', 'a1']);
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 7, countTokens: byNumber })), [
        's1',
        'u1',
        'A1[c1]',
        's1',
        't1>c1',
        'u1',
        'a1',
      ]);
    });

    it('skips a result whose call is not in the history, without counting it or ending the window there', () => {
      const history = [u('1'), a('1'), result('50', 'gone'), u('1'), a('1')];
      const counted: string[] = [];
      const window = contextWindow(history, { maxTokens: 4, countTokens: (x) => (counted.push(shown([x])[0]!), byNumber(x)) });
      assert.deepEqual(shown(window), ['u1', 'a1', 'u1', 'a1']);
      assert.ok(!counted.includes('t50>gone'), `the orphan was counted: ${counted.join(' ')}`);
    });

    it('never emits the results left at the start of a history its store cut by maxTurns', async () => {
      const memory = new MemoryStore({ maxTurns: 5 });
      await memory.appendMany('c', [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
            { id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
          ],
        },
        { role: 'tool', content: '3°C', toolCallId: 'call_1' },
        { role: 'tool', content: '18°C', toolCallId: 'call_2' },
        { role: 'assistant', content: 'Oslo 3°C, Rome 18°C.' },
        { role: 'user', content: 'Thanks!' },
        { role: 'assistant', content: 'You are welcome.' },
      ]);
      const history = await memory.get('c');
      assert.deepEqual(
        history.slice(0, 2).map((x) => x.toolCallId),
        ['call_1', 'call_2'],
        'the store kept two results without their call',
      );
      const window = contextWindow(history, { maxTokens: 10_000 });
      assert.deepEqual(
        window.map((x) => x.content),
        ['Thanks!', 'You are welcome.'],
      );
      assert.equal(window[0], history[3]);
      await memory.close();
    });

    it('never emits a call whose results are not all there, nor the results it has', () => {
      // Not appended yet: the newest turn calls a tool. Window the history with its results instead.
      assert.deepEqual(shown(contextWindow([u('1'), a('1'), u('1'), calls('1', 'c1')], { maxTokens: 100, countTokens: byNumber })), [
        'u1',
        'a1',
        'u1',
      ]);
      assert.deepEqual(shown(contextWindow([u('1'), calls('1', 'c1'), result('1', 'c1')], { maxTokens: 100, countTokens: byNumber })), [
        'u1',
        'A1[c1]',
        't1>c1',
      ]);
      // One result of two lost.
      assert.deepEqual(
        shown(contextWindow([u('1'), calls('1', 'c1', 'c2'), result('1', 'c1'), a('1')], { maxTokens: 100, countTokens: byNumber })),
        ['u1', 'a1'],
      );
    });

    it('pairs a result with the nearest earlier call of its id (ids such as call_0 repeat from one reply to the next)', () => {
      const both = [u('1'), calls('1', 'call_0'), result('1', 'call_0'), u('2'), calls('2', 'call_0'), result('2', 'call_0'), a('2')];
      assert.deepEqual(shown(contextWindow(both, { maxTokens: 100, countTokens: byNumber })), [
        'u1',
        'A1[call_0]',
        't1>call_0',
        'u2',
        'A2[call_0]',
        't2>call_0',
        'a2',
      ]);
      // The first call was never answered: the one result answers the second.
      const first = [u('1'), calls('1', 'call_0'), u('2'), calls('2', 'call_0'), result('2', 'call_0')];
      assert.deepEqual(shown(contextWindow(first, { maxTokens: 100, countTokens: byNumber })), ['u1', 'u2', 'A2[call_0]', 't2>call_0']);
    });

    it("treats a tool turn without toolCallId (the seed's plain tool output) and an empty toolCalls list as plain turns", () => {
      const history = [
        u('1'),
        { role: 'assistant' as const, content: '1', toolCalls: [] },
        t('1'),
        u('1'),
        { role: 'user' as const, content: '1', toolCalls: [], toolCallId: undefined },
      ];
      assert.deepEqual(shown(contextWindow(history, { maxTokens: 100, countTokens: byNumber })), ['u1', 'a1', 't1', 'u1', 'u1']);
    });

    it('bad tool fields → TURNSTORE_INVALID_TURN naming turns[i] and the field', () => {
      const bad = (x: unknown) => () => contextWindow([u('a'), x] as never, { maxTokens: 10 });
      throwsCode(
        bad({ role: 'assistant', content: '', toolCalls: 'lookup' }),
        'TURNSTORE_INVALID_TURN',
        /the toolCalls of turns\[1\] must be an array/,
      );
      throwsCode(
        bad({ role: 'assistant', content: '', toolCalls: [null] }),
        'TURNSTORE_INVALID_TURN',
        /turns\[1\]\.toolCalls\[0\] must be an object/,
      );
      throwsCode(
        bad({ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: {} }] }),
        'TURNSTORE_INVALID_TURN',
        /the arguments of turns\[1\]\.toolCalls\[0\] must be a string/,
      );
      throwsCode(
        bad({ role: 'assistant', content: '', toolCalls: [{ name: 'f', arguments: '{}' }] }),
        'TURNSTORE_INVALID_TURN',
        /the id of turns\[1\]\.toolCalls\[0\] must be a string; got undefined/,
      );
      throwsCode(
        bad({ role: 'user', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] }),
        'TURNSTORE_INVALID_TURN',
        /turns\[1\] \(role user\) has toolCalls; only assistant turns/,
      );
      throwsCode(
        bad({ role: 'system', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] }),
        'TURNSTORE_INVALID_TURN',
        /turns\[1\] \(role system\) has toolCalls/,
      );
      throwsCode(
        bad({ role: 'system', content: '', toolCallId: 'c1' }),
        'TURNSTORE_INVALID_TURN',
        /turns\[1\] \(role system\) has a toolCallId/,
      );
      throwsCode(
        bad({ role: 'tool', content: '', toolCallId: 7 }),
        'TURNSTORE_INVALID_TURN',
        /the toolCallId of turns\[1\] must be a string; got 7/,
      );
      throwsCode(
        bad({ role: 'assistant', content: '', toolCallId: 'c1' }),
        'TURNSTORE_INVALID_TURN',
        /turns\[1\] \(role assistant\) has a toolCallId; only tool turns/,
      );
    });

    it('returns the turns a store hands out, fields and all, and keeps their type', async () => {
      const memory = new MemoryStore({ maxTurns: 20 });
      await memory.appendMany('c', [
        {
          role: 'user',
          content: 'What is in this picture?',
          attachments: [{ mediaType: 'image/png', url: 'https://example.com/cat.png' }],
          metadata: { id: 'm1' },
        },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'describe', arguments: '{"url":"https://example.com/cat.png"}' }],
        },
        { role: 'tool', content: 'a cat', toolCallId: 'call_1' },
        { role: 'assistant', content: 'A cat.' },
      ]);
      const history = await memory.get('c');
      const window = contextWindow(history, { maxTokens: 10_000 });
      assert.equal(window.length, 4);
      window.forEach((x, i) => assert.equal(x, history[i]));
      assert.equal(window[1]!.toolCalls![0]!.name, 'describe');
      assert.equal(window[2]!.toolCallId, 'call_1');
      await memory.close();
    });
  });

  describe('estimateTokens (the default countTokens)', () => {
    it('is ceil(UTF-8 bytes / 4) + 4', () => {
      assert.equal(ESTIMATED_TOKENS_PER_MESSAGE, 4);
      assert.equal(estimateTokens(u('')), 4);
      assert.equal(estimateTokens(u('abcd')), 5);
      assert.equal(estimateTokens(u('abcde')), 6);
      assert.equal(estimateTokens(a('你好')), 4 + 2); // 6 bytes
      assert.equal(estimateTokens(s('😀')), 4 + 1); // 4 bytes
      assert.equal(estimateTokens(t('é'.repeat(4))), 4 + 2); // 8 bytes
    });

    it('counts tool calls (id, name, arguments) and a toolCallId as text, and each attachment as ESTIMATED_TOKENS_PER_ATTACHMENT', () => {
      // 6 + 6 + 9 = 21 bytes of call → ceil(21 / 4) = 6.
      assert.equal(
        estimateTokens({ role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }] }),
        6 + 4,
      );
      // 4 + 21 + 21 = 46 bytes → 12.
      const two = [
        { id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' },
        { id: 'call_2', name: 'lookup', arguments: '{"q":"y"}' },
      ];
      assert.equal(estimateTokens({ role: 'assistant', content: 'abcd', toolCalls: two }), 12 + 4);
      // 4 + 6 = 10 bytes → 3.
      assert.equal(estimateTokens({ role: 'tool', content: 'abcd', toolCallId: 'call_1' }), 3 + 4);
      assert.equal(ESTIMATED_TOKENS_PER_ATTACHMENT, 1600);
      // The URL is not counted: a 100 kB data: URL costs what a short https: one does.
      const image = (url: string) => ({
        role: 'user' as const,
        content: 'abcd',
        attachments: [
          { mediaType: 'image/png', url },
          { mediaType: 'image/png', url },
        ],
      });
      assert.equal(estimateTokens(image(`data:image/png;base64,${'A'.repeat(100_000)}`)), 1 + 4 + 2 * 1600);
      assert.equal(estimateTokens(image('https://example.com/a.png')), 1 + 4 + 2 * 1600);
    });

    it('counts a plain turn as before, whatever empty or undefined extras it carries; metadata costs nothing', () => {
      for (const extra of [
        {},
        { toolCalls: [] },
        { toolCallId: undefined, attachments: undefined },
        { attachments: [] },
        { metadata: { model: 'gpt-4o', usage: { total: 1234 } } },
      ]) {
        assert.equal(estimateTokens({ role: 'assistant', content: 'abcde', ...extra } as TurnLike), 4 + 2, JSON.stringify(extra));
      }
    });

    it('counts a lone surrogate as the 3 bytes of the U+FFFD it would be sent as', () => {
      assert.equal(estimateTokens(u('\ud800abcd')), 4 + 2); // 3 + 4 = 7 bytes
    });

    it('is what contextWindow uses without countTokens', () => {
      const history = [u('a'.repeat(40)), a('b'.repeat(40)), u('c'.repeat(40))];
      // Each turn is 10 + 4 = 14 tokens.
      assert.equal(contextWindow(history, { maxTokens: 41 }).length, 1);
      assert.equal(contextWindow(history, { maxTokens: 42 }).length, 3);
    });
  });
});
