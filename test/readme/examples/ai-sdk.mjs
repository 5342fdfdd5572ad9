import { generateText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { MemoryStore, contextWindow } from 'turnstore';
import { fromModelMessages, toModelMessages } from 'turnstore/ai-sdk';

// Any AI SDK model: openai('gpt-4o-mini') from '@ai-sdk/openai', an Ollama provider's model…
// The SDK's own mock here, so the example runs as it is: it says how many messages it was sent.
const model = new MockLanguageModelV3({
  doGenerate: async ({ prompt }) => ({
    content: [{ type: 'text', text: `I was sent ${prompt.length} messages.` }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: 0 }, outputTokens: { total: 0 } },
    warnings: [],
  }),
});

const memory = new MemoryStore({ maxTurns: 50 });

async function ask(conversationId, question) {
  const history = contextWindow(await memory.get(conversationId), { maxTokens: 4000 });
  const asked = { role: 'user', content: question };
  const result = await generateText({
    model,
    system: 'You are a terse assistant.',
    messages: [...toModelMessages(history), asked],
  });
  // The question and the reply, stored together or not at all.
  await memory.appendMany(conversationId, fromModelMessages([asked, ...result.response.messages]));
  return result.text;
}

console.log(await ask('conv1', 'Hi!'));
// I was sent 2 messages.      (the system prompt and "Hi!")
console.log(await ask('conv1', 'And now?'));
// I was sent 4 messages.      (… and the first exchange)

await memory.close();
