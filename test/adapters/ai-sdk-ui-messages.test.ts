/**
 * `saveUIMessages`/`loadUIMessages` on ai 6 (the root's `ai`): the shared round-trip and write
 * tests (test/support/ui-messages-suite.ts, which the ai 7 file runs too), then what does not depend
 * on the `ai` version — divergence, caps, bad input, turns of other writers — once, here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertToModelMessages, validateUIMessages, type UIMessage } from 'ai';
import { MemoryStore, contextWindow, isTurnstoreError } from '../../src/index.js';
import { fromModelMessages, loadUIMessages, saveUIMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';
import { inProcess } from '../server/support/in-process.js';
import { asJson, everyPartChat } from '../support/ui-message-fixtures.js';
import { answer, ask, booking, recorded, uiMessageTests, type UIKit } from '../support/ui-messages-suite.js';

const kit: UIKit = {
  validateUIMessages: (options) => validateUIMessages(options as Parameters<typeof validateUIMessages>[0]),
  convertToModelMessages: (messages) => convertToModelMessages(messages as UIMessage[]),
  createStore: () => new MemoryStore({ maxTurns: 100 }),
  saveUIMessages: (store, id, messages) => saveUIMessages(store as MemoryStore, id, messages as UIMessage[]),
  loadUIMessages: async (store, id) => (await loadUIMessages(store as MemoryStore, id)) as never,
  contextWindow: (turns, options) => contextWindow(turns, options),
  toModelMessages: (turns) => toModelMessages(turns),
  chat: everyPartChat,
};

describe('saveUIMessages/loadUIMessages on ai 6', () => {
  uiMessageTests(async () => kit);

  it('a list that differs before its last message (an edited or regenerated message) replaces the stored ones from there', async () => {
    const { store, writes } = recorded(new MemoryStore());
    const chat = [ask('u-1', 'Hi'), answer('a-1', 'Hello!'), ask('u-2', 'Weather?'), booking('output-available')];
    await saveUIMessages(store, 'chat', chat as UIMessage[]);
    // The client edited u-2 (same id, new text) and got a new answer (a new id).
    const edited = [chat[0]!, chat[1]!, ask('u-2', 'Weather in Rome?'), answer('a-3', 'Sunny.')];
    await saveUIMessages(store, 'chat', edited as UIMessage[]);
    assert.deepEqual(writes.at(-1), { turns: 2, replaceNewest: 4 });
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson(edited));
    // Regenerated: the last answer has a new id.
    const regenerated = [...edited.slice(0, 3), answer('a-4', 'Rainy.')];
    await saveUIMessages(store, 'chat', regenerated as UIMessage[]);
    assert.deepEqual(writes.at(-1), { turns: 1, replaceNewest: 1 });
    // Fewer messages: the ones after are removed; none at all: the conversation is gone.
    await saveUIMessages(store, 'chat', regenerated.slice(0, 2) as UIMessage[]);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson(regenerated.slice(0, 2)));
    await saveUIMessages(store, 'chat', []);
    assert.deepEqual(await store.get('chat'), []);
    assert.equal(await store.size(), 0);
    // A list sharing nothing with the store replaces it.
    await saveUIMessages(store, 'chat', chat as UIMessage[]);
    await saveUIMessages(store, 'chat', [ask('x-1', 'Other chat')] as UIMessage[]);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson([ask('x-1', 'Other chat')]));
    await store.close();
  });

  it("when the store's maxTurns removed old messages, they are not written again, and a message cut in half is left out of the load", async () => {
    const { store, writes } = recorded(new MemoryStore({ maxTurns: 3 }));
    const chat = [ask('u-1', 'Hi'), answer('a-1', 'Hello!'), ask('u-2', 'Book'), booking('output-available')];
    await saveUIMessages(store, 'chat', chat as UIMessage[]);
    // 6 turns, 3 kept: the booking's (its first step, the tool result, its second step).
    assert.equal((await store.get('chat')).length, 3);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson(chat.slice(3)));
    await saveUIMessages(store, 'chat', chat as UIMessage[]);
    assert.equal(writes.length, 1, 'the same chat again writes nothing');
    const longer = [...chat, ask('u-3', 'Thanks')];
    await saveUIMessages(store, 'chat', longer as UIMessage[]);
    assert.deepEqual(writes.at(-1), { turns: 1, replaceNewest: 0 });
    // Now the booking lost its first turn: it is left out.
    assert.equal((await store.get('chat')).length, 3);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson([ask('u-3', 'Thanks')]));
    await saveUIMessages(store, 'chat', longer as UIMessage[]);
    assert.equal(writes.length, 2, 'a message cut in half that did not change is not written again');
    // One that did change is written whole (and the caps cut it again).
    const changed = [...chat.slice(0, 3), booking('approval-requested'), ask('u-3', 'Thanks')];
    await saveUIMessages(store, 'chat', changed as UIMessage[]);
    assert.deepEqual(writes.at(-1), { turns: 2, replaceNewest: 3 });
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson(changed.slice(3)));
    await store.close();
  });

  it('parts a turn cannot hold as they are (odd shapes the SDK may not validate) are kept verbatim and round-trip too', async () => {
    const store = new MemoryStore({ maxTurns: 100 });
    const long = 'x'.repeat(300);
    const chat = [
      {
        id: 'odd-1',
        role: 'assistant',
        metadata: null,
        createdAt: '2026-12-04T15:00:00.000Z',
        parts: [
          { type: 'file', url: 'https://example.com/a.png' }, // no media type
          { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64' }, // no comma: not a data: URL a turn takes
          { type: 'file', mediaType: 'image/png', url: 'https://exa mple.com/a.png' }, // not a URL
          { type: 'text', text: 42 },
          { type: 'tool-weather', toolCallId: long, state: 'output-available', input: {}, output: 1 }, // id too long for a turn
          { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: {}, output: 1 },
          { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: {}, output: 2 }, // the same id again
          { type: 'step-start' },
          { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: {}, output: 3 }, // and in the next step
          { type: 'dynamic-tool', toolCallId: 'c2', state: 'output-available', input: {}, output: 3 }, // no tool name
          { type: 'tool-weather', toolCallId: 'c3', state: 'output-error', errorText: 'x' }, // no input
          { type: 'tool-weather', toolCallId: 'c4', state: 'output-available', input: {} }, // no output
          { type: 'future-part', anything: { nested: [1, 2, 3] } },
        ],
      },
    ];
    await saveUIMessages(store, 'chat', chat as unknown as UIMessage[]);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), chat);
    const [turn, ...rest] = await store.get('chat');
    assert.deepEqual(turn!.toolCalls, [{ id: 'c1', name: 'weather', arguments: '{}' }]);
    assert.deepEqual(
      rest.map((later) => [later.role, later.toolCallId, later.toolCalls]),
      [
        ['tool', 'c1', undefined],
        ['assistant', undefined, undefined],
      ],
    );
    assert.equal(turn!.attachments, undefined);
    await store.close();
  });

  it('the service reads turns saveUIMessages wrote, tool exchanges included; a turn the service appends loads as a plain message', async () => {
    const service = await inProcess({ storeOptions: { maxTurns: 100 } });
    try {
      const chat = everyPartChat() as UIMessage[];
      await saveUIMessages(service.store, 'chat', chat);
      const got = await service.call('GET', '/v1/conversations/chat');
      assert.equal(got.status, 200);
      assert.deepStrictEqual(got.json.turns, asJson(await service.store.get('chat')));
      assert.ok(got.json.turns.some((turn: { toolCalls?: unknown }) => turn.toolCalls !== undefined));
      const posted = await service.call('POST', '/v1/conversations/chat/turns', { body: { role: 'user', content: 'From the service' } });
      assert.equal(posted.status, 201);
      const loaded = await loadUIMessages(service.store, 'chat');
      assert.deepStrictEqual(loaded.slice(0, -1), asJson(chat));
      const position = (await service.store.get('chat')).length - 1;
      assert.deepStrictEqual(loaded.at(-1), { id: `turn-${position}`, role: 'user', parts: [{ type: 'text', text: 'From the service' }] });
    } finally {
      await service.close();
    }
  });

  it('refuses what is not a list of UI messages, naming the message; nothing is stored', async () => {
    const store = new MemoryStore();
    await saveUIMessages(store, 'chat', [ask('u-1', 'Hi')] as UIMessage[]);
    const bad: Array<[unknown, RegExp]> = [
      ['nope', /messages must be an array/],
      [[null], /messages\[0\] must be a UI message/],
      [[{ role: 'user', parts: [] }], /messages\[0\] has id undefined/],
      [[{ id: 'x', role: 'tool', parts: [] }], /messages\[0\] has role "tool"/],
      [[{ id: 'x', role: 'user', parts: 'hi' }], /messages\[0\] has parts "hi"/],
      [[{ id: 'x', role: 'user', parts: [{ text: 'hi' }] }], /messages\[0\]\.parts\[0\] must be a part with a string type/],
      [[ask('x', 'a'), ask('y', 'b'), ask('x', 'c')], /messages\[2\] has id "x", as messages\[0\] has/],
      [[{ id: 'x', role: 'user', parts: [], metadata: { n: 10n } }], /cannot be written as JSON/],
    ];
    for (const [messages, message] of bad) {
      await assert.rejects(saveUIMessages(store, 'chat', messages as UIMessage[]), (error) => {
        assert.ok(isTurnstoreError(error, 'TURNSTORE_INVALID_TURN'));
        assert.match(error.message, message);
        return true;
      });
    }
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), [ask('u-1', 'Hi')]);
    await store.close();
  });

  it('reads turns other code wrote as plain messages, and a save replaces them', async () => {
    const store = new MemoryStore();
    await store.appendMany(
      'chat',
      fromModelMessages([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather?' },
            { type: 'image', image: 'https://example.com/a.png', mediaType: 'image/png' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } }] },
        {
          role: 'tool',
          content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: '21°C' } }],
        },
        { role: 'assistant', content: 'It is 21°C.' },
      ]),
    );
    const loaded = await loadUIMessages(store, 'chat');
    assert.deepStrictEqual(loaded, [
      {
        id: 'turn-0',
        role: 'user',
        parts: [
          { type: 'text', text: 'Weather?' },
          { type: 'file', mediaType: 'image/png', url: 'https://example.com/a.png' },
        ],
      },
      {
        id: 'turn-1',
        role: 'assistant',
        parts: [
          {
            type: 'dynamic-tool',
            toolName: 'weather',
            toolCallId: 'c1',
            state: 'output-available',
            input: { city: 'Paris' },
            output: '21°C',
          },
        ],
      },
      { id: 'turn-3', role: 'assistant', parts: [{ type: 'text', text: 'It is 21°C.' }] },
    ]);
    assert.deepStrictEqual(await validateUIMessages({ messages: loaded }), loaded);
    const chat = [...loaded, ask('u-9', 'Thanks') as UIMessage];
    await saveUIMessages(store, 'chat', chat);
    assert.deepStrictEqual(await loadUIMessages(store, 'chat'), chat);
    await store.close();
  });
});
