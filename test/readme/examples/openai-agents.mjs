import { Agent, run, tool } from '@openai/agents';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents/testing';
import { z } from 'zod';
import { MemoryStore } from 'turnstore';
import { TurnstoreSession } from 'turnstore/openai-agents';

const weather = tool({
  name: 'weather',
  description: 'The weather in a city now.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `${city}: 21°C, sunny`,
});

// Any model the SDK runs: OpenAI's by default (with OPENAI_API_KEY), or another provider's.
// The SDK's scripted model here, so the example runs as it is: it calls the tool, answers, then answers again.
const model = new ScriptedModel([
  [functionCall('weather', { city: 'Paris' }, { callId: 'call_1' })],
  [assistantMessage('Paris is 21°C and sunny.')],
  [assistantMessage('You asked about Paris.')],
]);
const agent = new Agent({ name: 'Forecaster', instructions: 'Answer briefly.', model, tools: [weather] });

// One item is one turn, and a tool call takes three: give the store room for the agent's history.
const memory = new MemoryStore({ maxTurns: 200 }); // or a SqliteStore, RedisStore, PostgresStore
const session = new TurnstoreSession({ store: memory, sessionId: 'ada' });

const first = await run(agent, 'What is the weather in Paris?', { session });
console.log(first.finalOutput);
// Paris is 21°C and sunny.

const second = await run(agent, 'Which city did I ask about?', { session });
console.log(second.finalOutput, model.lastCall.request.input.length); // the model was sent the first run's 4 items too
// You asked about Paris. 5

for (const turn of await memory.get('ada')) {
  const calls = turn.toolCalls?.map((call) => `${call.name}(${call.arguments})`).join(', ');
  console.log(`${turn.role}${turn.toolCallId ? ` (${turn.toolCallId})` : ''}: ${calls ?? turn.content}`);
}
// user: What is the weather in Paris?
// assistant: weather({"city":"Paris"})
// tool (call_1): Paris: 21°C, sunny
// assistant: Paris is 21°C and sunny.
// user: Which city did I ask about?
// assistant: You asked about Paris.

const last = await session.popItem(); // undo the last answer
console.log(last.content[0].text, (await session.getItems()).length);
// You asked about Paris. 5

await memory.close();
