import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { MemoryStore } from 'turnstore';
import { TurnstoreChatMessageHistory } from 'turnstore/langchain';

// Any LangChain chat model: new ChatOpenAI({ model: 'gpt-4o-mini' }), new ChatOllama({ model: 'llama3.2' })…
// LangChain's own fake model here, so the example runs as it is.
const model = new FakeListChatModel({ responses: ['Hello, Ada!', 'You are Ada.'] });

const memory = new MemoryStore({ maxTurns: 20 }); // or a SqliteStore, or a RedisStore

const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'You are a terse assistant.'],
  new MessagesPlaceholder('history'),
  ['human', '{question}'],
]);
const chat = new RunnableWithMessageHistory({
  runnable: prompt.pipe(model),
  getMessageHistory: (sessionId) => new TurnstoreChatMessageHistory({ store: memory, conversationId: sessionId }),
  inputMessagesKey: 'question',
  historyMessagesKey: 'history',
});

const config = { configurable: { sessionId: 'ada' } };
await chat.invoke({ question: 'Hi, I am Ada.' }, config);
const reply = await chat.invoke({ question: 'Who am I?' }, config); // the model is sent the first exchange too
console.log(reply.content);
// You are Ada.
console.log((await memory.get('ada')).map((turn) => `${turn.role}: ${turn.content}`));
// [ 'user: Hi, I am Ada.', 'assistant: Hello, Ada!', 'user: Who am I?', 'assistant: You are Ada.' ]

await memory.close();
