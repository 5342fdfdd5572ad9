/**
 * The item ↔ turn mapping of `turnstore/openai-agents`, which needs nothing from the SDK, so it
 * runs on every Node.js (the session itself, with the SDK's run loop, is tested on every store in
 * openai-agents-session.test.ts, on Node.js 22 and later).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextWindow, MemoryStore, type Turn, type TurnInput } from '../../src/index.js';
import { ITEM_METADATA_KEY, itemsOfTurns, turnOfItem, turnsOfItems, withoutOrphanResults } from '../../src/adapters/openai-agents/index.js';
import { everyItemKind, PDF, PNG } from '../support/agent-items.js';

const ITEMS = everyItemKind();

/** What a store hands out for `turns`: appended to a fresh MemoryStore and read back. */
async function stored(turns: TurnInput[]): Promise<Turn[]> {
  const store = new MemoryStore({ maxTurns: 1000 });
  try {
    await store.appendMany('c', turns);
    return await store.get('c');
  } finally {
    await store.close();
  }
}

const byName = (name: string) => ITEMS.find((entry) => entry.name === name)!.item;

describe('openai-agents items ↔ turns', () => {
  it('every item kind reads back deep-equal after a store round trip, one turn per item', async () => {
    const items = ITEMS.map((entry) => entry.item);
    const turns = await stored(turnsOfItems(items));
    assert.equal(turns.length, items.length);
    const back = itemsOfTurns(turns);
    for (let i = 0; i < items.length; i++) assert.deepStrictEqual(back[i], items[i], ITEMS[i]!.name);
    assert.equal(back.length, items.length);
    // Bytes come back as bytes, not as an object of indexes.
    const image = back.find((item) => item.type === 'function_call_result' && item.callId === 'call_3')!.output as {
      image: { data: unknown };
    };
    assert.ok(image.image.data instanceof Uint8Array);
  });

  it('a message is a turn of its role: its text as content, its http(s) and data: images and files as attachments', () => {
    assert.deepEqual(turnOfItem(byName('user message, string content')), { role: 'user', content: 'What is the weather in Paris?' });
    assert.deepEqual(turnOfItem(byName('system message')), {
      role: 'system',
      content: 'Be brief.',
      metadata: { [ITEM_METADATA_KEY]: { type: 'message', id: 'sys_1' } },
    });
    const withParts = turnOfItem(byName('user message with text, image, file and audio parts'));
    assert.equal(withParts.role, 'user');
    assert.equal(withParts.content, 'Compare these — 🌍 and say which is older.');
    assert.deepEqual(withParts.attachments, [
      { mediaType: 'image/png', url: PNG },
      { mediaType: 'image/jpeg', url: 'https://example.com/photo.jpg' },
      { mediaType: 'application/pdf', url: PDF },
      { mediaType: 'application/pdf', url: 'https://example.com/spec.pdf' },
    ]);
    // The moved values are not kept twice: no text and no data: URL in the metadata.
    const residue = JSON.stringify(withParts.metadata);
    assert.ok(!residue.includes('Compare these') && !residue.includes('base64'), residue);
    // What has no place in a turn stays there: an image URL of unknown type, file ids, audio.
    assert.ok(residue.includes('photo-without-extension') && residue.includes('file-abc') && residue.includes('UklGRg=='), residue);

    const assistant = turnOfItem(byName('assistant message with text and refusal'));
    assert.equal(assistant.role, 'assistant');
    assert.equal(assistant.content, 'It is 21 °C in Paris.');
  });

  it('function_call is an assistant turn with toolCalls, function_call_result a tool turn with toolCallId, its text as content', () => {
    const call = turnOfItem(byName('function_call'));
    assert.equal(call.role, 'assistant');
    assert.equal(call.content, '');
    assert.deepEqual(call.toolCalls, [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }]);
    const result = turnOfItem(byName('function_call_result, text output'));
    assert.deepEqual([result.role, result.toolCallId, result.content], ['tool', 'call_1', '21 °C']);
    const structured = turnOfItem(byName('function_call_result, structured text output'));
    assert.deepEqual([structured.role, structured.toolCallId, structured.content], ['tool', 'call_2', 'sunny']);
    const list = turnOfItem(byName('function_call_result, list output'));
    assert.equal(list.content, 'Two files: done');
  });

  it('reasoning, hosted, computer, shell, apply-patch, tool-search and program items, compaction and unknown kinds are kept whole on an empty assistant turn', () => {
    for (const name of [
      'reasoning',
      'hosted_tool_call',
      'computer_call',
      'computer_call_result',
      'shell_call_output',
      'compaction',
      'unknown',
      'a kind added later',
    ]) {
      const item = byName(name);
      assert.deepEqual(turnOfItem(item), { role: 'assistant', content: '', metadata: { [ITEM_METADATA_KEY]: item } }, name);
    }
  });

  it('an item whose values do not fit the moved form is kept whole and still reads back exactly', async () => {
    const odd = [
      { type: 'function_call', callId: 'c'.repeat(300), name: 'f', arguments: '{}' }, // an id longer than a turn's tool call id
      { type: 'function_call', callId: 'c1', name: 'f', arguments: { not: 'a string' } },
      { type: 'function_call_result', name: 'f', status: 'completed', output: 'no callId' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 5 }] },
      { type: 'message', role: 'user' },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'input_image', image: null }] },
    ];
    const turns = turnsOfItems(odd);
    assert.equal(turns[0]!.toolCalls, undefined);
    assert.deepStrictEqual(itemsOfTurns(await stored(turns)), odd);
  });

  it('fields set to undefined read back absent, -0 as 0; a value JSON cannot hold is refused naming it', () => {
    const turn = turnOfItem({ type: 'message', role: 'user', content: 'hi', providerData: undefined, id: undefined });
    assert.deepEqual(itemsOfTurns([{ ...turn, ts: 0 } as Turn]), [{ type: 'message', role: 'user', content: 'hi' }]);
    assert.deepStrictEqual(itemsOfTurns([{ ...turnOfItem({ type: 'x', n: -0 }), ts: 0 } as Turn]), [{ type: 'x', n: 0 }]);
    const refused: Array<[unknown, RegExp]> = [
      [[{ role: 'user', content: 'ok' }, 'text'], /items\[1\] must be an Agents SDK item \(an object\); got/],
      [[{ type: 'x', when: new Date(0) }], /items\[0\]\.when is .*not a plain object/],
      [[{ type: 'x', f: () => 1 }], /items\[0\]\.f is a function/],
      [[{ type: 'x', n: Number.NaN }], /items\[0\]\.n is NaN/],
      [[{ type: 'x', v: { $bytes: 'AA==' } }], /items\[0\]\.v has a field "\$bytes"/],
      ['not a list', /items must be an array/],
    ];
    for (const [items, message] of refused) {
      assert.throws(
        () => turnsOfItems(items as unknown[]),
        (error: Error & { code?: string }) => error.code === 'TURNSTORE_INVALID_TURN' && message.test(error.message),
        String(message),
      );
    }
  });

  it('contextWindow reads the turns as tool exchanges: a call and its result are kept or left out together', async () => {
    const user = byName('user message, string content');
    const call = byName('function_call');
    const result = byName('function_call_result, text output');
    const answer = { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'It is 21 °C.' }] };
    const roles = async (items: Record<string, unknown>[]) =>
      contextWindow(await stored(turnsOfItems(items)), { maxTokens: 10_000 }).map((turn) => turn.role);
    assert.deepEqual(await roles([user, call, result, answer]), ['user', 'assistant', 'tool', 'assistant']);
    // A call whose result is missing (a run stopped between them), or a result whose call is gone, is left out.
    assert.deepEqual(await roles([user, call]), ['user']);
    assert.deepEqual(await roles([user, result, answer]), ['user', 'assistant']);
  });

  it('turns written by others read as items: user and system messages, assistant text and tool calls, tool results named after their call', () => {
    const turns: Turn[] = [
      { role: 'system', content: 'Be brief.', ts: 1 },
      { role: 'user', content: 'Look', ts: 2, attachments: [{ mediaType: 'image/png', url: 'https://x.test/a.png' }] },
      { role: 'assistant', content: 'Checking.', ts: 3, toolCalls: [{ id: 'k1', name: 'weather', arguments: '{}' }] },
      { role: 'tool', content: 'sunny', ts: 4, toolCallId: 'k1' },
      { role: 'tool', content: 'stray', ts: 5, toolCallId: 'gone' },
      { role: 'assistant', content: 'Sunny.', ts: 6 },
    ];
    const items = itemsOfTurns(turns);
    assert.deepEqual(withoutOrphanResults(items), [
      { type: 'message', role: 'system', content: 'Be brief.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Look' },
          { type: 'input_image', image: 'https://x.test/a.png' },
        ],
      },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking.' }] },
      { type: 'function_call', callId: 'k1', name: 'weather', arguments: '{}', status: 'completed' },
      { type: 'function_call_result', callId: 'k1', name: 'weather', status: 'completed', output: 'sunny' },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Sunny.' }] },
    ]);
    assert.equal(items.length, 7, 'the stray result is read, then left out as an orphan');
  });

  it('withoutOrphanResults leaves out each kind of call result whose call is not before it, and keeps results naming no call', () => {
    const all = ITEMS.filter((entry) => entry.sdkKind).map((entry) => entry.item);
    assert.deepStrictEqual(withoutOrphanResults(all), all, 'a whole history has no orphan');
    const results = all.filter((item) => /_result$|_output$/.test(item.type as string));
    assert.equal(results.length, 10);
    assert.deepEqual(withoutOrphanResults(results), [], 'every result without its call is left out');
    const serverSearch = { type: 'tool_search_output', callId: null, execution: 'server', tools: [] };
    assert.deepEqual(withoutOrphanResults([serverSearch]), [serverSearch]);
  });
});
