import { AIMessage } from '@langchain/core/messages';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { MemoryStore } from 'turnstore';
import { TurnstoreChatMessageHistory } from 'turnstore/langchain';

const weather = tool(async ({ city }) => `${city}: 21°C, sunny`, {
  name: 'weather',
  description: 'The weather in a city now.',
  schema: z.object({ city: z.string() }),
});

// Any LangChain chat model that calls tools: new ChatOpenAI({ model: 'gpt-4o-mini' }), new ChatAnthropic(…)…
// LangChain's own fake model here, so the example runs as it is: it calls the tool, then answers.
const model = fakeModel()
  .respond(new AIMessage({ content: '', tool_calls: [{ type: 'tool_call', id: 'call_1', name: 'weather', args: { city: 'Paris' } }] }))
  .respond(new AIMessage('Paris is 21°C and sunny.'));

const memory = new MemoryStore({ maxTurns: 20 }); // or a SqliteStore, or a RedisStore

const chat = new RunnableWithMessageHistory({
  runnable: model.bindTools([weather]),
  getMessageHistory: (sessionId) => new TurnstoreChatMessageHistory({ store: memory, conversationId: sessionId }),
});
const config = { configurable: { sessionId: 'ada' } };

let reply = await chat.invoke('What is the weather in Paris?', config);
while (reply.tool_calls?.length) {
  const results = await Promise.all(reply.tool_calls.map((call) => weather.invoke(call))); // ToolMessages
  reply = await chat.invoke(results, config); // the model is sent the question, its call and the results
}
console.log(reply.content);
// Paris is 21°C and sunny.

for (const turn of await memory.get('ada')) {
  const calls = turn.toolCalls?.map((call) => `${call.name}(${call.arguments})`).join(', ');
  console.log(`${turn.role}${turn.toolCallId ? ` (${turn.toolCallId})` : ''}: ${calls ?? turn.content}`);
}
// user: What is the weather in Paris?
// assistant: weather({"city":"Paris"})
// tool (call_1): Paris: 21°C, sunny
// assistant: Paris is 21°C and sunny.

const [, call, result] = await new TurnstoreChatMessageHistory({ store: memory, conversationId: 'ada' }).getMessages();
console.log(call.tool_calls[0].args, result.tool_call_id); // read back as LangChain messages
// { city: 'Paris' } call_1

await memory.close();
