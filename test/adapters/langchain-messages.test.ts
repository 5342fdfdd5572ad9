import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AIMessage,
  AIMessageChunk,
  ChatMessage,
  FunctionMessage,
  HumanMessage,
  RemoveMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { MemoryStore, TurnstoreError } from '../../src/index.js';
import { TurnstoreChatMessageHistory, fromLangChainMessages, toLangChainMessages } from '../../src/adapters/langchain/index.js';

function rejectsCode(fn: () => unknown, code: string, pattern: RegExp): Promise<void> {
  return assert.rejects(
    async () => fn(),
    (error: unknown) => {
      assert.ok(error instanceof TurnstoreError, `not a TurnstoreError: ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

/** A file the provider holds: a turn keeps URLs and data, not provider-side ids. */
const fileById = { type: 'file', file: { file_id: 'file-abc123' } };

describe('fromLangChainMessages / toLangChainMessages', () => {
  it('maps human, ai, system and tool messages to the four roles and back; a message without id, name or extras is a plain turn', () => {
    const turns = fromLangChainMessages([
      new SystemMessage('Be brief.'),
      new HumanMessage('Hi'),
      new AIMessage('Hello!'),
      new ToolMessage({ content: '21°C', tool_call_id: 'call_1', name: 'weather' }),
    ]);
    assert.deepEqual(turns, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'tool', content: '21°C', toolCallId: 'call_1', metadata: { name: 'weather' } },
    ]);
    const back = toLangChainMessages(turns);
    assert.deepEqual(
      back.map((m) => [m.type, m.content]),
      [
        ['system', 'Be brief.'],
        ['human', 'Hi'],
        ['ai', 'Hello!'],
        ['tool', '21°C'],
      ],
    );
    assert.ok(
      back[0] instanceof SystemMessage && back[1] instanceof HumanMessage && back[2] instanceof AIMessage && back[3] instanceof ToolMessage,
    );
    assert.equal((back[3] as ToolMessage).tool_call_id, 'call_1');
    assert.equal(back[3]!.name, 'weather');
    assert.deepEqual(
      back.slice(0, 3).map((m) => [m.id, m.name]),
      [
        [undefined, undefined],
        [undefined, undefined],
        [undefined, undefined],
      ],
    );
    // A tool turn stored without a call id (by hand, or by an older turnstore) reads back with ''.
    assert.equal((toLangChainMessages([{ role: 'tool', content: 'x' }])[0] as ToolMessage).tool_call_id, '');
  });

  it("keeps a message's id and name as metadata.id and metadata.name, and gives them back", () => {
    const turns = fromLangChainMessages([
      new HumanMessage({ content: 'Hi', id: 'msg_1', name: 'ada' }),
      new AIMessage({ content: 'Hello!', id: 'chatcmpl-42' }),
      new SystemMessage({ content: 'Be brief.', name: 'rules' }),
      new HumanMessage({ content: 'no id', id: '', name: '' }),
    ]);
    assert.deepEqual(turns, [
      { role: 'user', content: 'Hi', metadata: { id: 'msg_1', name: 'ada' } },
      { role: 'assistant', content: 'Hello!', metadata: { id: 'chatcmpl-42' } },
      { role: 'system', content: 'Be brief.', metadata: { name: 'rules' } },
      { role: 'user', content: 'no id' }, // an empty id and name name nothing: a plain turn
    ]);
    assert.deepEqual(
      toLangChainMessages(turns).map((m) => [m.type, m.id, m.name]),
      [
        ['human', 'msg_1', 'ada'],
        ['ai', 'chatcmpl-42', undefined],
        ['system', undefined, 'rules'],
        ['human', undefined, undefined],
      ],
    );
    // Other metadata (an app's own, stored through the store directly) stays off the message; a non-string id is not an id.
    const [message] = toLangChainMessages([{ role: 'user', content: 'x', metadata: { id: 7, model: 'gpt-4o', usage: { tokens: 3 } } }]);
    assert.deepEqual([message!.id, message!.name, message!.additional_kwargs, message!.response_metadata], [undefined, undefined, {}, {}]);
  });

  it('takes chunks and ChatMessage with one of the known roles (developer is system)', () => {
    const turns = fromLangChainMessages([
      new AIMessageChunk('streamed'),
      new ChatMessage('a', 'user'),
      new ChatMessage('b', 'human'),
      new ChatMessage('c', 'assistant'),
      new ChatMessage('d', 'ai'),
      new ChatMessage('e', 'developer'),
      new ChatMessage('f', 'tool'),
    ]);
    assert.deepEqual(
      turns.map((t) => t.role),
      ['assistant', 'user', 'user', 'assistant', 'assistant', 'system', 'tool'],
    );
  });

  it('joins text blocks with nothing between (as message.text does) and always leaves reasoning out', () => {
    const message = new AIMessage({
      content: [
        { type: 'thinking', thinking: 'The user greets me.', signature: 'sig' },
        { type: 'text', text: 'Hello, ' },
        { type: 'text', text: 'Ada.' },
      ],
    });
    assert.deepEqual(fromLangChainMessages([message]), [{ role: 'assistant', content: 'Hello, Ada.' }]);
    assert.equal(fromLangChainMessages([message])[0]!.content, message.text);
    assert.deepEqual(
      fromLangChainMessages([
        new HumanMessage({
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        }),
      ]),
      [{ role: 'user', content: 'ab' }],
    );
    // Only reasoning: nothing to keep, so no empty turn.
    assert.deepEqual(fromLangChainMessages([new AIMessage({ content: [{ type: 'reasoning', reasoning: 'hmm' }] })]), []);
  });

  it('refuses by default what a turn still cannot hold, naming the message and the part', () => {
    assert.throws(
      () =>
        fromLangChainMessages([new HumanMessage('ok'), new HumanMessage({ content: [{ type: 'text', text: 'What is this?' }, fileById] })]),
      (error: unknown) => {
        assert.ok(error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN');
        assert.match(
          error.message,
          /messages\[1\] \(human\) holds a "file" content block \(content\[1\]\) that names a provider-side file/,
        );
        assert.match(error.message, /unsupported: 'drop'/);
        return true;
      },
    );
    assert.throws(
      () => fromLangChainMessages([new AIMessage({ content: [{ type: 'server_tool_call', id: 's1', name: 'web_search', args: {} }] })]),
      /messages\[0\] \(ai\) holds a "server_tool_call" content block \(content\[0\]\)/,
    );
    assert.throws(
      () => fromLangChainMessages([new AIMessage({ content: '', tool_calls: [{ name: 'weather', args: {} }] })]),
      /messages\[0\] \(ai\) holds a tool call without an id or a name \(tool_calls\[0\], weather\)/,
    );
  });

  it("with unsupported: 'drop' keeps the rest, and leaves out a message with nothing left", () => {
    const turns = fromLangChainMessages(
      [
        new HumanMessage({ content: [{ type: 'text', text: 'What is this?' }, fileById] }),
        new AIMessage({
          content: '',
          tool_calls: [
            { name: 'weather', args: {} },
            { id: 'call_1', name: 'weather', args: { city: 'Paris' } },
          ],
        }),
        new ToolMessage({ content: '21°C', tool_call_id: 'call_1' }),
        new HumanMessage({ content: [fileById] }),
        new HumanMessage({ content: [fileById], id: 'msg_9' }),
        new ToolMessage({ content: [fileById], tool_call_id: 'call_2' }),
        new HumanMessage(''),
      ],
      { unsupported: 'drop' },
    );
    assert.deepEqual(turns, [
      { role: 'user', content: 'What is this?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: '21°C', toolCallId: 'call_1' },
      // Nothing left but an id: left out. A tool result with nothing left still answers its call: kept, empty.
      { role: 'tool', content: '', toolCallId: 'call_2' },
      { role: 'user', content: '' }, // genuinely empty, nothing dropped: kept
    ]);
  });

  it('refuses message types a turn cannot be, whatever unsupported says', () => {
    for (const unsupported of ['error', 'drop'] as const) {
      assert.throws(
        () => fromLangChainMessages([new FunctionMessage({ content: '{}', name: 'f' })], { unsupported }),
        /messages\[0\] \(function\) is a message of type "function"/,
      );
      assert.throws(() => fromLangChainMessages([new RemoveMessage({ id: 'm1' })], { unsupported }), /type "remove"/);
      assert.throws(() => fromLangChainMessages([new ChatMessage('x', 'robot')], { unsupported }), /ChatMessage with role "robot"/);
      assert.throws(
        () => fromLangChainMessages([{ role: 'user', content: 'hi' }] as never, { unsupported }),
        /messages\[0\] is .* not a LangChain message/,
      );
    }
    assert.throws(
      () => fromLangChainMessages([new HumanMessage('x')], { unsupported: 'ignore' } as never),
      (error: unknown) =>
        error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_OPTION' && /"unsupported"/.test(error.message),
    );
  });
});

describe('TurnstoreChatMessageHistory', () => {
  it('adds, reads and clears through the store', async () => {
    const store = new MemoryStore({ maxTurns: 20 });
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c1' });
    await history.addUserMessage('Hi');
    await history.addAIMessage('Hello!');
    await history.addMessage(new SystemMessage('Be brief.'));
    const messages = await history.getMessages();
    assert.deepEqual(
      messages.map((m) => [m.type, m.content]),
      [
        ['human', 'Hi'],
        ['ai', 'Hello!'],
        ['system', 'Be brief.'],
      ],
    );
    assert.deepEqual(
      (await store.get('c1')).map((t) => t.role),
      ['user', 'assistant', 'system'],
    );
    await history.clear();
    assert.deepEqual(await history.getMessages(), []);
    assert.equal(await store.size(), 0);
    await store.close();
  });

  it('addMessages is one appendMany: a refused message stores none of them', async () => {
    const store = new MemoryStore({ maxTurns: 20 });
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c1' });
    const calls: number[] = [];
    const appendMany = store.appendMany.bind(store);
    store.appendMany = async (id, turns) => {
      calls.push(turns.length);
      return appendMany(id, turns);
    };
    await history.addMessages([new HumanMessage('a'), new AIMessage('b'), new HumanMessage('c')]);
    assert.deepEqual(calls, [3]);
    await assert.rejects(
      history.addMessages([new HumanMessage('d'), new AIMessage('e'), new HumanMessage({ content: [fileById] })]),
      /TURNSTORE|content block/,
    );
    await assert.rejects(
      history.addMessages([new HumanMessage('d'), new HumanMessage('x'.repeat(70_000))]),
      (error: unknown) => error instanceof TurnstoreError && error.code === 'TURNSTORE_TURN_TOO_LARGE',
    );
    assert.deepEqual(
      (await history.getMessages()).map((m) => m.content),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(calls, [3, 2], 'the too-large batch reached the store once and was refused there whole');
    await history.addMessages([]);
    assert.equal(calls.length, 2, 'an empty batch does not call the store');
    await store.close();
  });

  it("passes unsupported: 'drop' on to the conversion", async () => {
    const store = new MemoryStore();
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c1', unsupported: 'drop' });
    await history.addMessage(new HumanMessage({ content: [{ type: 'text', text: 'Look:' }, fileById] }));
    assert.deepEqual(
      (await store.get('c1')).map((t) => t.content),
      ['Look:'],
    );
    await store.close();
  });

  it('with contextWindow, getMessages returns only the system turns and the newest turns that fit', async () => {
    const store = new MemoryStore({ maxTurns: 50 });
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c1', contextWindow: { maxTokens: 3, countTokens: () => 1 } });
    await history.addMessages([
      new SystemMessage('s'),
      new HumanMessage('u1'),
      new AIMessage('a1'),
      new HumanMessage('u2'),
      new AIMessage('a2'),
    ]);
    assert.deepEqual(
      (await history.getMessages()).map((m) => m.content),
      ['s', 'u2', 'a2'],
    );
    await store.close();
  });

  it('refuses bad options up front', async () => {
    const store = new MemoryStore();
    await rejectsCode(
      () => new TurnstoreChatMessageHistory({ conversationId: 'c' } as never),
      'TURNSTORE_INVALID_OPTION',
      /option "store" must be a turnstore store/,
    );
    await rejectsCode(() => new TurnstoreChatMessageHistory({ store, conversationId: '' }), 'TURNSTORE_INVALID_ID', /Conversation id/);
    await rejectsCode(
      () => new TurnstoreChatMessageHistory({ store, conversationId: 'c', sessionId: 'c' } as never),
      'TURNSTORE_INVALID_OPTION',
      /unknown option "sessionId"/,
    );
    await rejectsCode(
      () => new TurnstoreChatMessageHistory({ store, conversationId: 'c', unsupported: 'skip' } as never),
      'TURNSTORE_INVALID_OPTION',
      /"unsupported"/,
    );
    await rejectsCode(
      () => new TurnstoreChatMessageHistory({ store, conversationId: 'c', contextWindow: { maxTokens: -1 } }),
      'TURNSTORE_INVALID_OPTION',
      /"maxTokens"/,
    );
    await store.close();
  });

  it('hands out fresh messages: changing them changes nothing stored', async () => {
    const store = new MemoryStore();
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c1' });
    await history.addUserMessage('original');
    const [first] = (await history.getMessages()) as [BaseMessage];
    first.content = 'changed';
    assert.equal((await history.getMessages())[0]!.content, 'original');
    await store.close();
  });
});
