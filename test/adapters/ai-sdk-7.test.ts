/**
 * `fromModelMessages`/`toModelMessages` on ai 7, from its peer project (test/peer-projects/ai-7,
 * Node ≥ 22), driven by ai 7's own mock model: a tool loop (stored from `result.responseMessages`,
 * which in ai 7 holds every step's messages; `response.messages` holds only the last step's), the
 * messages `convertToModelMessages` makes of UI messages, and ai 7's file parts (top-level media
 * types such as `image`, tagged `{type: 'data' | 'url'}` data) are stored, read back, and sent to a
 * second call whose model must receive exactly the prompt the original messages give it.
 * Skipped, with the Node it needs, on Node 20.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Turnstore from '../../src/index.js';
import type * as AiSdk from '../../src/adapters/ai-sdk/index.js';
import { peerProject } from '../support/peer-project.js';
import { comparable } from '../support/comparable-prompt.js';

const project = peerProject('ai-7');

type Message = any;
interface Ai7 {
  generateText(options: Record<string, unknown>): Promise<any>;
  streamText(options: Record<string, unknown>): any;
  convertToModelMessages(messages: unknown[]): Promise<Message[]>;
  tool(definition: Record<string, unknown>): unknown;
  isStepCount(count: number): unknown;
}
interface Ai7Test {
  MockLanguageModelV4: new (options: Record<string, unknown>) => { doGenerateCalls: Array<{ prompt: Message[] }> };
  convertArrayToReadableStream(chunks: unknown[]): unknown;
}

async function load() {
  if ('skip' in project) throw new Error(project.skip);
  const ai = (await project.load('ai')) as Ai7;
  const aiTest = (await project.load('ai/test')) as Ai7Test;
  const { z } = (await project.load('zod')) as { z: any };
  const turnstore = (await project.load('turnstore')) as typeof Turnstore;
  const adapter = (await project.load('turnstore/ai-sdk')) as typeof AiSdk;
  return { ai, aiTest, z, turnstore, adapter };
}

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const finish = (unified: string) => ({ finishReason: { unified, raw: unified }, usage, warnings: [] });
const reply = (text: string) => ({ content: [{ type: 'text', text }], ...finish('stop') });
const supportedUrls = { '*/*': [/^https:/] };

/** The messages without reasoning and reasoning-file parts, which turnstore leaves out by design. */
function withoutReasoning(messages: readonly Message[]): Message[] {
  return messages.map((message) =>
    message.role === 'assistant' && Array.isArray(message.content)
      ? { ...message, content: message.content.filter((part: Message) => part.type !== 'reasoning' && part.type !== 'reasoning-file') }
      : message,
  );
}

// Skipped as a test, not a suite, so the run's count of skipped tests shows it.
if ('skip' in project) it('turnstore/ai-sdk on ai 7', { skip: project.skip }, () => {});
else
  describe('turnstore/ai-sdk on ai 7', () => {
    async function setup() {
      const kit = await load();
      const { ai, aiTest, z } = kit;
      const tools = {
        weather: ai.tool({
          description: 'The weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }: { city: string }) => (city === 'Rome' ? 'sunny' : { city, celsius: 21 }),
        }),
      };
      /** Sends `messages` to a fresh mock model and returns the prompt it received. */
      const promptFor = async (messages: Message[]) => {
        const model = new aiTest.MockLanguageModelV4({ supportedUrls, doGenerate: [reply('ok')] });
        await ai.generateText({ model, tools, instructions: 'You are terse.', messages });
        return model.doGenerateCalls[0]!.prompt;
      };
      return { ...kit, tools, promptFor };
    }

    const toolStep = {
      content: [
        { type: 'reasoning', text: 'Two cities: two calls.' },
        { type: 'text', text: 'Checking both.' },
        { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) },
        { type: 'tool-call', toolCallId: 'call-2', toolName: 'weather', input: JSON.stringify({ city: 'Rome' }) },
      ],
      ...finish('tool-calls'),
    };

    it('generateText with tools: result.responseMessages is stored, read back, and the next call sends it as the original would be', async () => {
      const { ai, aiTest, turnstore, adapter, tools, promptFor } = await setup();
      const store = new turnstore.MemoryStore({ maxTurns: 50 });
      const model = new aiTest.MockLanguageModelV4({ supportedUrls, doGenerate: [toolStep, reply('Paris 21°C, Rome sunny.')] });
      const asked = { role: 'user', content: 'Weather in Paris and Rome?' };
      const result = await ai.generateText({
        model,
        tools,
        instructions: 'You are terse.',
        messages: [asked],
        stopWhen: ai.isStepCount(3),
      });
      // ai 7: response.messages is the last step's alone; responseMessages is the whole loop.
      assert.deepEqual(
        result.response.messages.map((m: Message) => m.role),
        ['assistant'],
      );
      assert.deepEqual(
        result.responseMessages.map((m: Message) => m.role),
        ['assistant', 'tool', 'assistant'],
      );
      await store.appendMany('weather', adapter.fromModelMessages([asked, ...result.responseMessages]));
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
      const next = { role: 'user', content: 'And tomorrow?' };
      const fromStore = await promptFor([...adapter.toModelMessages(stored), next]);
      assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...withoutReasoning(result.responseMessages), next])));
      await store.close();
    });

    it('streamText with tools: the streamed loop (await result.responseMessages) is stored and read back the same way', async () => {
      const { ai, aiTest, turnstore, adapter, tools, promptFor } = await setup();
      const store = new turnstore.MemoryStore({ maxTurns: 50 });
      const chunks = (parts: unknown[], reason: string) =>
        aiTest.convertArrayToReadableStream([
          { type: 'stream-start', warnings: [] },
          ...parts,
          { type: 'finish', finishReason: { unified: reason, raw: reason }, usage },
        ]);
      const model = new aiTest.MockLanguageModelV4({
        supportedUrls,
        doStream: [
          {
            stream: chunks(
              [
                { type: 'text-start', id: 't1' },
                { type: 'text-delta', id: 't1', delta: 'Checking both.' },
                { type: 'text-end', id: 't1' },
                { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' },
                { type: 'tool-call', toolCallId: 'call-2', toolName: 'weather', input: '{"city":"Rome"}' },
              ],
              'tool-calls',
            ),
          },
          {
            stream: chunks(
              [
                { type: 'text-start', id: 't2' },
                { type: 'text-delta', id: 't2', delta: 'Paris 21°C, Rome sunny.' },
                { type: 'text-end', id: 't2' },
              ],
              'stop',
            ),
          },
        ],
      });
      const asked = { role: 'user', content: 'Weather in Paris and Rome?' };
      const result = ai.streamText({ model, tools, instructions: 'You are terse.', messages: [asked], stopWhen: ai.isStepCount(3) });
      assert.equal(await result.text, 'Paris 21°C, Rome sunny.');
      const messages = await result.responseMessages;
      await store.appendMany('weather', adapter.fromModelMessages([asked, ...messages]));
      assert.deepEqual(
        (await store.get('weather')).map((turn) => turn.role),
        ['user', 'assistant', 'tool', 'tool', 'assistant'],
      );
      const next = { role: 'user', content: 'And tomorrow?' };
      const fromStore = await promptFor([...adapter.toModelMessages(await store.get('weather')), next]);
      assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...messages, next])));
      await store.close();
    });

    it("ai 7's file parts round-trip: top-level media types, tagged data, URLs; the next call sends the same files", async () => {
      const { ai, aiTest, turnstore, adapter, promptFor } = await setup();
      const store = new turnstore.MemoryStore({ maxTurns: 50 });
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
      const asked = {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'file', mediaType: 'image', data: png },
          { type: 'file', mediaType: 'image', data: { type: 'url', url: new URL('https://example.com/cat.jpg') } },
          { type: 'file', mediaType: 'application/pdf', data: { type: 'data', data: Buffer.from('%PDF-1.7') }, filename: 'report.pdf' },
          { type: 'image', image: png, mediaType: 'image/png' },
        ],
      };
      const model = new aiTest.MockLanguageModelV4({
        supportedUrls,
        doGenerate: [
          {
            content: [
              { type: 'reasoning', text: 'Look closely.' },
              { type: 'reasoning-file', mediaType: 'image/png', data: { type: 'data', data: png } },
              { type: 'text', text: 'A pixel, a cat and a report; here is a chart:' },
              { type: 'file', mediaType: 'image/png', data: { type: 'data', data: png } },
            ],
            ...finish('stop'),
          },
        ],
      });
      const result = await ai.generateText({ model, messages: [asked] });
      await store.appendMany('files', adapter.fromModelMessages([asked, ...result.responseMessages]));
      const stored = await store.get('files');
      assert.deepEqual(
        stored.map((t) => t.attachments),
        [
          [
            { mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' },
            { mediaType: 'application/octet-stream', url: 'https://example.com/cat.jpg' },
            { mediaType: 'application/pdf', url: 'data:application/pdf;base64,JVBERi0xLjc=' },
            { mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' },
          ],
          [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' }],
        ],
      );
      const next = { role: 'user', content: 'Thanks.' };
      const fromStore = await promptFor([...adapter.toModelMessages(stored), next]);
      assert.deepEqual(comparable(fromStore), comparable(await promptFor([asked, ...withoutReasoning(result.responseMessages), next])));
      await store.close();
    });

    it('the model messages convertToModelMessages makes of UI messages (file parts as {type: "url"}) are stored and sent back the same', async () => {
      const { ai, turnstore, adapter, promptFor } = await setup();
      const store = new turnstore.MemoryStore({ maxTurns: 50 });
      const ui = [
        {
          id: 'u1',
          role: 'user',
          parts: [
            { type: 'text', text: 'Describe this.' },
            { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAAN' },
            { type: 'file', mediaType: 'image', url: 'https://example.com/cat.jpg' },
          ],
        },
        {
          id: 'a1',
          role: 'assistant',
          parts: [
            { type: 'step-start' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Paris' }, output: { celsius: 21 } },
            { type: 'step-start' },
            { type: 'text', text: 'A cat in Paris, 21°C.' },
          ],
        },
      ];
      const messages = await ai.convertToModelMessages(ui);
      await store.appendMany('ui', adapter.fromModelMessages(messages));
      const fromStore = await promptFor(adapter.toModelMessages(await store.get('ui')));
      assert.deepEqual(comparable(fromStore), comparable(await promptFor(messages)));
      await store.close();
    });
  });
