import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, SUMMARIZE_ATTEMPTS, summarizeOldest, type Turn, type TurnInput } from '../../src/index.js';

/** A summariser that lists what it folded, recording each call. */
function listingSummarizer(calls: Array<{ previous: string | undefined; turns: string[] }>) {
  return async (previous: string | undefined, turns: Turn[]): Promise<string> => {
    const contents = turns.map((turn) => turn.content);
    calls.push({ previous, turns: contents });
    return [previous, ...contents].filter((part) => part !== undefined).join(' | ');
  };
}

const contents = (turns: readonly Turn[]) => turns.map((turn) => turn.content);

const plain = (n: number): TurnInput[] =>
  Array.from({ length: n }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `t${i + 1}` }));

/** A tool exchange: the question, a call, its result, the answer. */
const EXCHANGE: TurnInput[] = [
  { role: 'user', content: 'weather?' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'weather', arguments: '{}' }] },
  { role: 'tool', content: 'sunny', toolCallId: 'c1' },
  { role: 'assistant', content: 'It is sunny.' },
];

describe('summarizeOldest', () => {
  it('folds all but the newest `keep` turns into the summary, then folds the summary again', async () => {
    const store = new MemoryStore();
    await store.appendMany('a', plain(5));
    const calls: Array<{ previous: string | undefined; turns: string[] }> = [];
    assert.equal(await summarizeOldest(store, 'a', { keep: 2, summarize: listingSummarizer(calls) }), 3);
    assert.deepEqual(calls, [{ previous: undefined, turns: ['t1', 't2', 't3'] }]);
    assert.deepEqual(contents(await store.get('a')), ['t1 | t2 | t3', 't4', 't5']);
    await store.append('a', 'user', 't6');
    assert.equal(await summarizeOldest(store, 'a', { keep: 1, summarize: listingSummarizer(calls) }), 2);
    assert.deepEqual(calls[1], { previous: 't1 | t2 | t3', turns: ['t4', 't5'] });
    const turns = await store.get('a');
    assert.equal(turns[0]!.summary, true);
    assert.deepEqual(contents(turns), ['t1 | t2 | t3 | t4 | t5', 't6']);
  });

  it('does nothing, without calling summarize, when no more than `keep` turns are held', async () => {
    const store = new MemoryStore();
    await store.appendMany('a', plain(2));
    let called = false;
    const summarize = async () => {
      called = true;
      return 'x';
    };
    assert.equal(await summarizeOldest(store, 'a', { keep: 2, summarize }), 0);
    assert.equal(await summarizeOldest(store, 'unknown', { keep: 0, summarize }), 0);
    assert.equal(called, false);
    assert.deepEqual(contents(await store.get('a')), ['t1', 't2']);
  });

  it('folds a tool exchange whole or not at all', async () => {
    const store = new MemoryStore();
    await store.appendMany('a', [...EXCHANGE, { role: 'user', content: 'thanks' }]);
    const calls: Array<{ previous: string | undefined; turns: string[] }> = [];
    // keep 3 would fold the call and keep its result: the call stays with it.
    assert.equal(await summarizeOldest(store, 'a', { keep: 3, summarize: listingSummarizer(calls) }), 1);
    assert.deepEqual(calls[0]!.turns, ['weather?']);
    const held = (await store.get('a')).slice(1);
    assert.deepEqual(held[0]!.toolCalls?.[0]?.id, 'c1', 'the call is kept, with its result after it');
    // keep 2 folds the whole exchange (call and result).
    assert.equal(await summarizeOldest(store, 'a', { keep: 2, summarize: listingSummarizer(calls) }), 2);
    assert.deepEqual(calls[1]!.turns, ['', 'sunny']);
    assert.deepEqual(contents((await store.get('a')).slice(1)), ['It is sunny.', 'thanks']);
  });

  it('never folds past a call whose result has not been appended yet', async () => {
    const store = new MemoryStore();
    await store.appendMany('a', [...plain(2), EXCHANGE[1]!]);
    const calls: Array<{ previous: string | undefined; turns: string[] }> = [];
    assert.equal(await summarizeOldest(store, 'a', { keep: 0, summarize: listingSummarizer(calls) }), 2);
    assert.deepEqual(calls[0]!.turns, ['t1', 't2']);
    await store.append('a', 'tool', 'sunny', { toolCallId: 'c1' });
    const held = (await store.get('a')).slice(1);
    assert.deepEqual(
      held.map((turn) => turn.role),
      ['assistant', 'tool'],
      'the result arrived next to its call',
    );
  });

  it(`retries from a fresh read when the conversation changed under it, ${SUMMARIZE_ATTEMPTS} reads at most`, async () => {
    const store = new MemoryStore({ maxTurns: 4 });
    await store.appendMany('a', plain(4));
    const calls: Array<{ previous: string | undefined; turns: string[] }> = [];
    const record = listingSummarizer(calls);
    let appends = 0;
    // The first summary takes long enough for another writer to append, trimming the oldest turn.
    const summarize = async (previous: string | undefined, turns: Turn[]) => {
      if (appends++ === 0) await store.append('a', 'user', 'meanwhile');
      return record(previous, turns);
    };
    assert.equal(await summarizeOldest(store, 'a', { keep: 1, summarize }), 3);
    assert.deepEqual(
      calls.map((call) => call.turns),
      [
        ['t1', 't2', 't3'],
        ['t2', 't3', 't4'],
      ],
    );
    assert.deepEqual(contents(await store.get('a')), ['t2 | t3 | t4', 'meanwhile']);

    // A conversation that changes under every attempt: the last conflict is rethrown, nothing changed.
    await store.appendMany('b', plain(4));
    let attempts = 0;
    const busy = async () => {
      attempts++;
      await store.append('b', 'user', `busy ${attempts}`);
      return 'never stored';
    };
    await assert.rejects(summarizeOldest(store, 'b', { keep: 1, summarize: busy }), { code: 'TURNSTORE_CONFLICT' });
    assert.equal(attempts, SUMMARIZE_ATTEMPTS);
    assert.ok(!(await store.get('b')).some((turn) => turn.summary === true));
  });

  it('refuses bad options, and a summary that is not a string, changing nothing', async () => {
    const store = new MemoryStore();
    await store.appendMany('a', plain(3));
    const summarize = async () => 'x';
    await assert.rejects(summarizeOldest(store, 'a', { keep: -1, summarize }), { code: 'TURNSTORE_INVALID_OPTION', message: /keep/ });
    await assert.rejects(summarizeOldest(store, 'a', { keep: 1.5, summarize }), { code: 'TURNSTORE_INVALID_OPTION', message: /keep/ });
    await assert.rejects(summarizeOldest(store, 'a', { keep: 1, summarize: 'x' as never }), {
      code: 'TURNSTORE_INVALID_OPTION',
      message: /summarize/,
    });
    await assert.rejects(summarizeOldest(store, 'a', { keep: 1, summarize, keepp: 1 } as never), {
      code: 'TURNSTORE_INVALID_OPTION',
      message: /keepp/,
    });
    await assert.rejects(summarizeOldest(store, 'a', { keep: 1, summarize: async () => 42 as never }), {
      code: 'TURNSTORE_INVALID_OPTION',
      message: /resolve to a string/,
    });
    assert.deepEqual(contents(await store.get('a')), ['t1', 't2', 't3']);
  });
});
