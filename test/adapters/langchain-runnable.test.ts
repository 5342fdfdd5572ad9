/**
 * TurnstoreChatMessageHistory inside LangChain's RunnableWithMessageHistory, driven by LangChain's
 * own FakeListChatModel, on each store: the second call must see the first exchange.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
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
function recorder(): { seen: BaseMessage[][]; callbacks: Array<{ handleChatModelStart: (llm: unknown, messages: BaseMessage[][]) => void }> } {
  const seen: BaseMessage[][] = [];
  return { seen, callbacks: [{ handleChatModelStart: (_llm, messages) => void seen.push(messages[0]!) }] };
}

const shape = (messages: readonly BaseMessage[]) => messages.map((m) => `${m.type}: ${m.text}`);

for (const target of STORES) {
  describe(`RunnableWithMessageHistory over ${target.name}`, { skip: target.skip }, () => {
    it('with a prompt template: the second call sees the first exchange, and each exchange is stored once', async () => {
      const store = target.create();
      try {
        const prompt = ChatPromptTemplate.fromMessages([['system', 'You are a terse assistant.'], new MessagesPlaceholder('history'), ['human', '{question}']]);
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
        assert.deepEqual(shape(seen[1]!), ['system: You are a terse assistant.', 'human: Hi, I am Ada.', 'ai: Hello, Ada.', 'human: What is my name?']);
        assert.deepEqual((await store.get('ada')).map((t) => `${t.role}: ${t.content}`), ['user: Hi, I am Ada.', 'assistant: Hello, Ada.', 'user: What is my name?', 'assistant: Your name is Ada.']);

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
          getMessageHistory: (sessionId: string) => new TurnstoreChatMessageHistory({ store, conversationId: sessionId, contextWindow: { maxTokens: 2, countTokens: () => 1 } }),
        });
        const { seen, callbacks } = recorder();
        const config = { configurable: { sessionId: 'w' }, callbacks };
        for (const question of ['q1', 'q2', 'q3']) await chain.invoke(question, config);
        assert.deepEqual(shape(seen[1]!), ['human: q1', 'ai: one', 'human: q2']);
        assert.deepEqual(shape(seen[2]!), ['human: q2', 'ai: two', 'human: q3']);
        assert.deepEqual((await store.get('w')).map((t) => t.content), ['q1', 'one', 'q2', 'two', 'q3', 'three']);
      } finally {
        await store.close();
      }
    });
  });
}
