/**
 * `turnstore/ai-sdk` on each store, driven by the SDK's own mock model: a tool loop run by
 * `generateText` and `streamText` (tools executed by the SDK), and messages with images and files,
 * are stored, read back, and accepted by a second call — whose model must receive exactly the
 * prompt it would have received from the original messages.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateText, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { MockLanguageModelV3, convertArrayToReadableStream } from 'ai/test';
import { z } from 'zod';
import { MemoryStore, type ConversationStore } from '../../src/index.js';
import { fromModelMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { comparable } from '../support/comparable-prompt.js';

const temp = tempDirForThisFile('turnstore-ai-sdk-');

/** Each store under test, created fresh; Redis only where a redis-server can be started (CI: always). */
const unavailable = redisUnavailable();
let redis: RedisTestServer | undefined;
let created = 0;
const STORES: Array<{ name: string; skip?: string; create: () => ConversationStore }> = [
  { name: 'MemoryStore', create: () => new MemoryStore({ maxTurns: 20 }) },
  { name: 'SqliteStore (temp file)', create: () => new SqliteStore({ path: temp.file(`ai-sdk-${++created}.db`), maxTurns: 20 }) },
  {
    name: 'RedisStore (own redis-server)',
    ...(unavailable === undefined ? {} : { skip: unavailable }),
    create: () => new RedisStore({ url: redis!.url, prefix: `ai-sdk-${++created}`, maxTurns: 20 }),
  },
];
if (unavailable === undefined) {
  redis = await RedisTestServer.start();
  after(() => redis!.stop());
}

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const reply = (text: string) => ({
  content: [{ type: 'text' as const, text }],
  finishReason: { unified: 'stop' as const, raw: 'stop' },
  usage,
  warnings: [],
});
// URLs go to the model as they are (the mock says it takes https: URLs), so nothing is downloaded.
const supportedUrls = { '*/*': [/^https:/] };

/** The SDK executes it: Paris answers JSON, Rome text, so both output types are stored. */
const tools = {
  weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => (city === 'Rome' ? 'sunny' : { city, celsius: 21 }),
  }),
};

/** A model that first calls the tool twice (with some text), then answers. */
function toolCallingModel(): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    supportedUrls,
    doGenerate: [
      {
        content: [
          { type: 'reasoning', text: 'Two cities: two calls.' },
          { type: 'text', text: 'Checking both.' },
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) },
          { type: 'tool-call', toolCallId: 'call-2', toolName: 'weather', input: JSON.stringify({ city: 'Rome' }) },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      },
      reply('Paris 21°C, Rome sunny.'),
    ],
  });
}

/** The messages without reasoning parts, which turnstore leaves out by design. */
function withoutReasoning(messages: readonly ModelMessage[]): ModelMessage[] {
  return messages.map((message) =>
    message.role === 'assistant' && Array.isArray(message.content)
      ? { ...message, content: message.content.filter((part) => part.type !== 'reasoning') }
      : message,
  );
}

/** What the model was sent, one line a part: role, part type, ids, and payload. */
function outline(prompt: MockLanguageModelV3['doGenerateCalls'][number]['prompt']): string[] {
  return prompt.flatMap((message) =>
    typeof message.content === 'string'
      ? [`${message.role}: ${message.content}`]
      : message.content.map((part) => {
          switch (part.type) {
            case 'text':
              return `${message.role}: text ${part.text}`;
            case 'tool-call':
              return `${message.role}: tool-call ${part.toolCallId} ${part.toolName} ${JSON.stringify(part.input)}`;
            case 'tool-result':
              return `${message.role}: tool-result ${part.toolCallId} ${part.toolName} ${JSON.stringify(part.output)}`;
            case 'file':
              return `${message.role}: file ${part.mediaType} ${part.data instanceof URL ? part.data.href : part.data instanceof Uint8Array ? Buffer.from(part.data).toString('base64') : part.data}`;
            default:
              return `${message.role}: ${part.type}`;
          }
        }),
  );
}

/** Sends `messages` to a fresh mock model and returns the prompt it received. */
async function promptFor(messages: ModelMessage[]) {
  const model = new MockLanguageModelV3({ supportedUrls, doGenerate: [reply('ok')] });
  await generateText({ model, tools, system: 'You are terse.', messages });
  return model.doGenerateCalls[0]!.prompt;
}

const EXPECTED_EXCHANGE = [
  'system: You are terse.',
  'user: text Weather in Paris and Rome?',
  'assistant: text Checking both.',
  'assistant: tool-call call-1 weather {"city":"Paris"}',
  'assistant: tool-call call-2 weather {"city":"Rome"}',
  'tool: tool-result call-1 weather {"type":"json","value":{"city":"Paris","celsius":21}}',
  'tool: tool-result call-2 weather {"type":"text","value":"sunny"}',
  'assistant: text Paris 21°C, Rome sunny.',
  'user: text And tomorrow?',
];

for (const target of STORES) {
  describe(`turnstore/ai-sdk over ${target.name}`, { skip: target.skip }, () => {
    it('generateText with tools: the tool loop is stored, read back, and the next call sends it in order', async () => {
      const store = target.create();
      try {
        const asked: ModelMessage = { role: 'user', content: 'Weather in Paris and Rome?' };
        const result = await generateText({
          model: toolCallingModel(),
          tools,
          system: 'You are terse.',
          messages: [asked],
          stopWhen: stepCountIs(3),
        });
        assert.deepEqual(
          result.response.messages.map((m) => m.role),
          ['assistant', 'tool', 'assistant'],
        );
        await store.appendMany('weather', fromModelMessages([asked, ...result.response.messages]));

        const stored = await store.get('weather');
        assert.deepEqual(
          stored.map((t) => [t.role, t.content, t.toolCalls?.map((c) => `${c.id} ${c.name} ${c.arguments}`), t.toolCallId]),
          [
            ['user', 'Weather in Paris and Rome?', undefined, undefined],
            ['assistant', 'Checking both.', ['call-1 weather {"city":"Paris"}', 'call-2 weather {"city":"Rome"}'], undefined],
            ['tool', '{"city":"Paris","celsius":21}', undefined, 'call-1'],
            ['tool', 'sunny', undefined, 'call-2'],
            ['assistant', 'Paris 21°C, Rome sunny.', undefined, undefined],
          ],
        );

        const next: ModelMessage = { role: 'user', content: 'And tomorrow?' };
        const fromStore = await promptFor([...toModelMessages(stored), next]);
        assert.deepEqual(outline(fromStore), EXPECTED_EXCHANGE);
        assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...withoutReasoning(result.response.messages), next])));
      } finally {
        await store.close();
      }
    });

    it('streamText with tools: the streamed tool loop is stored and read back the same way', async () => {
      const store = target.create();
      try {
        const toolStep = [
          { type: 'stream-start' as const, warnings: [] },
          { type: 'text-start' as const, id: 't1' },
          { type: 'text-delta' as const, id: 't1', delta: 'Checking ' },
          { type: 'text-delta' as const, id: 't1', delta: 'both.' },
          { type: 'text-end' as const, id: 't1' },
          { type: 'tool-call' as const, toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' },
          { type: 'tool-call' as const, toolCallId: 'call-2', toolName: 'weather', input: '{"city":"Rome"}' },
          { type: 'finish' as const, finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' }, usage },
        ];
        const answerStep = [
          { type: 'stream-start' as const, warnings: [] },
          { type: 'text-start' as const, id: 't2' },
          { type: 'text-delta' as const, id: 't2', delta: 'Paris 21°C, Rome sunny.' },
          { type: 'text-end' as const, id: 't2' },
          { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage },
        ];
        const model = new MockLanguageModelV3({
          supportedUrls,
          doStream: [{ stream: convertArrayToReadableStream(toolStep) }, { stream: convertArrayToReadableStream(answerStep) }],
        });
        const asked: ModelMessage = { role: 'user', content: 'Weather in Paris and Rome?' };
        const result = streamText({ model, tools, system: 'You are terse.', messages: [asked], stopWhen: stepCountIs(3) });
        assert.equal(await result.text, 'Paris 21°C, Rome sunny.');
        const { messages } = await result.response;
        await store.appendMany('weather', fromModelMessages([asked, ...messages]));

        const next: ModelMessage = { role: 'user', content: 'And tomorrow?' };
        const fromStore = await promptFor([...toModelMessages(await store.get('weather')), next]);
        assert.deepEqual(outline(fromStore), EXPECTED_EXCHANGE);
        assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...messages, next])));
      } finally {
        await store.close();
      }
    });

    it('images and files round-trip: the next call sends the same files', async () => {
      const store = target.create();
      try {
        const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
        const asked: ModelMessage = {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', image: png, mediaType: 'image/png' },
            { type: 'image', image: new URL('https://example.com/cat.jpg') },
            { type: 'file', data: Buffer.from('%PDF-1.7'), mediaType: 'application/pdf', filename: 'report.pdf' },
          ],
        };
        const model = new MockLanguageModelV3({
          supportedUrls,
          doGenerate: [
            {
              content: [
                { type: 'text', text: 'A pixel, a cat and a report; here is a chart:' },
                { type: 'file', mediaType: 'image/png', data: png },
              ],
              finishReason: { unified: 'stop', raw: 'stop' },
              usage,
              warnings: [],
            },
          ],
        });
        const result = await generateText({ model, messages: [asked] });
        await store.appendMany('files', fromModelMessages([asked, ...result.response.messages]));

        const stored = await store.get('files');
        assert.deepEqual(
          stored.map((t) => t.attachments),
          [
            [
              { mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' },
              { mediaType: 'application/octet-stream', url: 'https://example.com/cat.jpg' },
              { mediaType: 'application/pdf', url: 'data:application/pdf;base64,JVBERi0xLjc=' },
            ],
            [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' }],
          ],
        );

        const next: ModelMessage = { role: 'user', content: 'Thanks.' };
        const fromStore = await promptFor([...toModelMessages(stored), next]);
        assert.deepEqual(outline(fromStore), [
          'system: You are terse.',
          'user: text What is in these?',
          'user: file image/png iVBORw0KGgoAAAAN',
          'user: file image/* https://example.com/cat.jpg',
          'user: file application/pdf JVBERi0xLjc=',
          'assistant: text A pixel, a cat and a report; here is a chart:',
          'assistant: file image/png iVBORw0KGgoAAAAN',
          'user: text Thanks.',
        ]);
        assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...withoutReasoning(result.response.messages), next])));
      } finally {
        await store.close();
      }
    });
  });
}
