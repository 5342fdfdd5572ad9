/**
 * TurnstoreChatMessageHistory inside LangChain's RunnableWithMessageHistory, driven by LangChain's
 * own fake chat models, on each store: the second call must see the first exchange, and a tool
 * loop (user → AI with tool_calls → ToolMessage → AI answer) reads back as the messages sent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { z } from 'zod';
import { MemoryStore, type ConversationStore } from '../../src/index.js';
import { TurnstoreChatMessageHistory } from '../../src/adapters/langchain/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

const temp = tempDirForThisFile('turnstore-langchain-');

/** Each store under test, created fresh; Redis only where a redis-server can be started (CI: always). */
const unavailable = redisUnavailable();
let redis: RedisTestServer | undefined;
let prefixes = 0;
const STORES: Array<{ name: string; skip?: string; create: () => ConversationStore }> = [
  { name: 'MemoryStore', create: () => new MemoryStore({ maxTurns: 20 }) },
  { name: 'SqliteStore (temp file)', create: () => new SqliteStore({ path: temp.file('langchain.db'), maxTurns: 20 }) },
  {
    name: 'RedisStore (own redis-server)',
    ...(unavailable === undefined ? {} : { skip: unavailable }),
    create: () => new RedisStore({ url: redis!.url, prefix: `langchain-${++prefixes}`, maxTurns: 20 }),
  },
];
if (unavailable === undefined) {
  redis = await RedisTestServer.start();
  after(() => redis!.stop());
}

/** What each chat-model call received, recorded through LangChain's own callbacks. */
function recorder(): {
  seen: BaseMessage[][];
  callbacks: Array<{ handleChatModelStart: (llm: unknown, messages: BaseMessage[][]) => void }>;
} {
  const seen: BaseMessage[][] = [];
  return { seen, callbacks: [{ handleChatModelStart: (_llm, messages) => void seen.push(messages[0]!) }] };
}

const shape = (messages: readonly BaseMessage[]) => messages.map((m) => `${m.type}: ${m.text}`);

/** What a message says, field by field: what a history must give back as it was sent. */
function view(message: BaseMessage): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: message.type, content: message.content, id: message.id, name: message.name };
  if (message instanceof AIMessage)
    Object.assign(fields, { tool_calls: message.tool_calls, invalid_tool_calls: message.invalid_tool_calls });
  if (message instanceof ToolMessage) fields.tool_call_id = message.tool_call_id;
  return fields;
}

/** A tool as an app defines it; it answers from a table so the test knows what it said. */
const weather = tool(async ({ city }: { city: string }) => `${city}: 21°C, sunny`, {
  name: 'weather',
  description: 'The weather in a city now.',
  schema: z.object({ city: z.string() }),
});

/** A tiny PNG, as an app would send a photo with a question. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

for (const target of STORES) {
  describe(`RunnableWithMessageHistory over ${target.name}`, { skip: target.skip }, () => {
    it('with a prompt template: the second call sees the first exchange, and each exchange is stored once', async () => {
      const store = target.create();
      try {
        const prompt = ChatPromptTemplate.fromMessages([
          ['system', 'You are a terse assistant.'],
          new MessagesPlaceholder('history'),
          ['human', '{question}'],
        ]);
        const model = new FakeListChatModel({ responses: ['Hello, Ada.', 'Your name is Ada.'] });
        const chain = new RunnableWithMessageHistory({
          runnable: prompt.pipe(model),
          getMessageHistory: (sessionId: string) => new TurnstoreChatMessageHistory({ store, conversationId: sessionId }),
          inputMessagesKey: 'question',
          historyMessagesKey: 'history',
        });
        const { seen, callbacks } = recorder();
        const config = { configurable: { sessionId: 'ada' }, callbacks };

        const first = await chain.invoke({ question: 'Hi, I am Ada.' }, config);
        assert.equal(first.content, 'Hello, Ada.');
        const second = await chain.invoke({ question: 'What is my name?' }, config);
        assert.equal(second.content, 'Your name is Ada.');

        assert.deepEqual(shape(seen[0]!), ['system: You are a terse assistant.', 'human: Hi, I am Ada.']);
        assert.deepEqual(shape(seen[1]!), [
          'system: You are a terse assistant.',
          'human: Hi, I am Ada.',
          'ai: Hello, Ada.',
          'human: What is my name?',
        ]);
        assert.deepEqual(
          (await store.get('ada')).map((t) => `${t.role}: ${t.content}`),
          ['user: Hi, I am Ada.', 'assistant: Hello, Ada.', 'user: What is my name?', 'assistant: Your name is Ada.'],
        );

        // Another session shares nothing with the first.
        const { seen: other, callbacks: otherCallbacks } = recorder();
        await chain.invoke({ question: 'Who am I?' }, { configurable: { sessionId: 'bob' }, callbacks: otherCallbacks });
        assert.deepEqual(shape(other[0]!), ['system: You are a terse assistant.', 'human: Who am I?']);
      } finally {
        await store.close();
      }
    });

    it('around the bare model, with a contextWindow: the model sees only the window, and the store keeps every turn once', async () => {
      const store = target.create();
      try {
        const model = new FakeListChatModel({ responses: ['one', 'two', 'three'] });
        const chain = new RunnableWithMessageHistory({
          runnable: model,
          // One token per turn, two tokens: the history window is the last exchange; the new question comes after it.
          getMessageHistory: (sessionId: string) =>
            new TurnstoreChatMessageHistory({ store, conversationId: sessionId, contextWindow: { maxTokens: 2, countTokens: () => 1 } }),
        });
        const { seen, callbacks } = recorder();
        const config = { configurable: { sessionId: 'w' }, callbacks };
        for (const question of ['q1', 'q2', 'q3']) await chain.invoke(question, config);
        assert.deepEqual(shape(seen[1]!), ['human: q1', 'ai: one', 'human: q2']);
        assert.deepEqual(shape(seen[2]!), ['human: q2', 'ai: two', 'human: q3']);
        assert.deepEqual(
          (await store.get('w')).map((t) => t.content),
          ['q1', 'one', 'q2', 'two', 'q3', 'three'],
        );
      } finally {
        await store.close();
      }
    });

    it('runs a tool loop: user → AI with tool_calls → ToolMessage → AI answer, read back as sent (args objects, tool_call_id, ids, an image)', async () => {
      const store = target.create();
      try {
        const model = fakeModel()
          .respondWithTools([
            { name: 'weather', args: { city: 'Paris' }, id: 'call_paris' },
            { name: 'weather', args: { city: 'Oslo' }, id: 'call_oslo' },
          ])
          .respond(new AIMessage({ content: 'Paris is 21°C and sunny; Oslo too.', id: 'msg_answer' }));
        const chain = new RunnableWithMessageHistory({
          runnable: model.bindTools([weather]),
          getMessageHistory: (sessionId: string) => new TurnstoreChatMessageHistory({ store, conversationId: sessionId }),
        });
        const config = { configurable: { sessionId: 'trip' } };

        const question = new HumanMessage({
          id: 'msg_question',
          content: [
            { type: 'text', text: 'Weather in Paris and Oslo? Here is my packing list.' },
            { type: 'image', source_type: 'base64', data: PNG_BASE64, mime_type: 'image/png' },
          ],
        });
        const call = (await chain.invoke([question], config)) as AIMessage;
        assert.deepEqual(
          call.tool_calls?.map((c) => c.id),
          ['call_paris', 'call_oslo'],
        );
        const results = (await Promise.all(call.tool_calls!.map((c) => weather.invoke(c)))) as ToolMessage[];
        assert.ok(results.every((r) => r instanceof ToolMessage));
        const answer = await chain.invoke(results, config);
        assert.equal(answer.content, 'Paris is 21°C and sunny; Oslo too.');

        // The model's second call was sent the whole exchange, from the store.
        assert.deepEqual(model.calls[1]!.messages.map(view), [question, call, ...results].map(view));

        const sent = [question, call, ...results, answer];
        const readBack = await new TurnstoreChatMessageHistory({ store, conversationId: 'trip' }).getMessages();
        assert.deepEqual(readBack.map(view), sent.map(view));
        assert.deepEqual((readBack[1] as AIMessage).tool_calls, [
          { type: 'tool_call', id: 'call_paris', name: 'weather', args: { city: 'Paris' } },
          { type: 'tool_call', id: 'call_oslo', name: 'weather', args: { city: 'Oslo' } },
        ]);

        // What the store holds: one turn a message, the extras as turnstore fields.
        const turns = await store.get('trip');
        assert.deepEqual(
          turns.map(({ ts: _ts, ...turn }) => turn),
          [
            {
              role: 'user',
              content: 'Weather in Paris and Oslo? Here is my packing list.',
              attachments: [{ mediaType: 'image/png', url: `data:image/png;base64,${PNG_BASE64}` }],
              metadata: { id: 'msg_question' },
            },
            {
              role: 'assistant',
              content: call.text,
              toolCalls: [
                { id: 'call_paris', name: 'weather', arguments: '{"city":"Paris"}' },
                { id: 'call_oslo', name: 'weather', arguments: '{"city":"Oslo"}' },
              ],
              metadata: { id: call.id! },
            },
            { role: 'tool', content: 'Paris: 21°C, sunny', toolCallId: 'call_paris', metadata: { name: 'weather' } },
            { role: 'tool', content: 'Oslo: 21°C, sunny', toolCallId: 'call_oslo', metadata: { name: 'weather' } },
            { role: 'assistant', content: 'Paris is 21°C and sunny; Oslo too.', metadata: { id: 'msg_answer' } },
          ],
        );
      } finally {
        await store.close();
      }
    });
  });
}
