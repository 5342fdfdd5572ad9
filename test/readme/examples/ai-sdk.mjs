import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { MemoryStore, contextWindow } from 'turnstore';
import { fromModelMessages, toModelMessages } from 'turnstore/ai-sdk';

// Any AI SDK model: openai('gpt-4o-mini') from '@ai-sdk/openai', an Ollama provider's model…
// The SDK's own mock here, so the example runs as it is: asked about the weather it calls the
// tool and answers from its result; otherwise it says which messages it was sent.
const done = (finish) => ({ finishReason: { unified: finish, raw: finish }, usage: { inputTokens: { total: 0 }, outputTokens: { total: 0 } }, warnings: [] });
const model = new MockLanguageModelV3({
  doGenerate: async ({ prompt }) => {
    const last = prompt.at(-1);
    if (last.role === 'tool') {
      const { city, celsius } = last.content[0].output.value;
      return { content: [{ type: 'text', text: `It is ${celsius}°C in ${city}.` }], ...done('stop') };
    }
    if (last.content[0].text.includes('weather')) {
      return { content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' }], ...done('tool-calls') };
    }
    return { content: [{ type: 'text', text: `I was sent: ${prompt.map((m) => m.role).join(', ')}.` }], ...done('stop') };
  },
});

const tools = {
  weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, celsius: 21 }),
  }),
};

const memory = new MemoryStore({ maxTurns: 50 });

async function ask(conversationId, question) {
  const history = contextWindow(await memory.get(conversationId), { maxTokens: 4000 });
  const asked = { role: 'user', content: question };
  const result = await generateText({
    model,
    tools,
    stopWhen: stepCountIs(5), // let the SDK run the tool and call the model again
    system: 'You are a terse assistant.',
    messages: [...toModelMessages(history), asked],
  });
  // The question, the tool calls, their results and the answer: stored together or not at all.
  await memory.appendMany(conversationId, fromModelMessages([asked, ...result.response.messages]));
  return result.text;
}

console.log(await ask('conv1', 'What is the weather in Paris?'));
// It is 21°C in Paris.
console.log(await ask('conv1', 'Thanks!'));
// I was sent: system, user, assistant, tool, assistant, user.
console.log((await memory.get('conv1')).map((turn) => turn.role).join(' '));
// user assistant tool assistant user assistant

await memory.close();
