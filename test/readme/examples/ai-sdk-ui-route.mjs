import { convertToModelMessages, createIdGenerator, stepCountIs, streamText, tool, validateUIMessages } from 'ai';
import { MockLanguageModelV3, convertArrayToReadableStream } from 'ai/test';
import { z } from 'zod';
import { MemoryStore } from 'turnstore';
import { loadUIMessages, saveUIMessages } from 'turnstore/ai-sdk';

const store = new MemoryStore({ maxTurns: 200 }); // or SqliteStore, RedisStore, PostgresStore

const tools = {
  weather: tool({
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, celsius: 21 }),
  }),
};

// app/api/chat/route.ts of the AI SDK's persistence guide: useChat sends the chat id and the new message.
export async function POST(request) {
  const { id, message } = await request.json();
  const messages = await validateUIMessages({ messages: [...(await loadUIMessages(store, id)), message], tools });
  const result = streamText({
    model,
    tools,
    system: 'You are a terse assistant.',
    messages: await convertToModelMessages(messages),
    stopWhen: stepCountIs(5),
  });
  return result.toUIMessageStreamResponse({
    originalMessages: messages,
    generateMessageId: createIdGenerator({ prefix: 'msg', size: 16 }),
    // The whole chat, each time: turnstore writes only the messages that are new or changed.
    onFinish: ({ messages }) => saveUIMessages(store, id, messages),
  });
}

// The SDK's mock model, so the example runs as it is (use any model: openai('gpt-4o-mini')…):
// asked about the weather it calls the tool, then answers from the result.
function stream(...parts) {
  const finishReason = parts.some((part) => part.type === 'tool-call') ? 'tool-calls' : 'stop';
  const usage = { inputTokens: { total: 0 }, outputTokens: { total: 0 } };
  return { stream: convertArrayToReadableStream([...parts, { type: 'finish', finishReason: { unified: finishReason, raw: finishReason }, usage }]) };
}
const say = (text) => [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: text }, { type: 'text-end', id: 't' }];
const model = new MockLanguageModelV3({
  doStream: async ({ prompt }) => {
    const last = prompt.at(-1);
    if (last.role === 'tool') return stream(...say(`It is ${last.content[0].output.value.celsius}°C.`));
    if (last.content[0].text.includes('weather')) return stream({ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' });
    return stream(...say(`You sent ${prompt.length} messages.`));
  },
});

// What useChat does: post the new message, then read the streamed answer to its end.
async function send(id, messageId, text) {
  const body = JSON.stringify({ id, message: { id: messageId, role: 'user', parts: [{ type: 'text', text }] } });
  const response = await POST(new Request('http://localhost/api/chat', { method: 'POST', body }));
  await response.text();
}

await send('chat-1', 'user-1', 'What is the weather in Paris?');
await send('chat-1', 'user-2', 'Thanks!');
for (const message of await loadUIMessages(store, 'chat-1')) {
  console.log(message.role, message.parts.map((part) => (part.type === 'text' ? part.text : part.type)).join(' | '));
}
// user What is the weather in Paris?
// assistant step-start | tool-weather | step-start | It is 21°C.
// user Thanks!
// assistant step-start | You sent 6 messages.
console.log((await store.get('chat-1')).map((turn) => turn.role).join(' '));
// user assistant tool assistant user assistant

await store.close();
