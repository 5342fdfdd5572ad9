/**
 * The OpenAI Agents SDK's Responses model (`OpenAIResponsesModel`, @openai/agents 0.20 with openai 7
 * from the peer project test/peer-projects/openai-agents: Node >= 22) pointed at the memory proxy,
 * whose upstream is the Chat Completions-only fake: an agent with a function tool, run twice with
 * `previousResponseId` and twice with `conversationId`, the second run answering from the first's
 * memory, JSON and streamed.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { peerProject } from '../support/peer-project.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';
import { conversationOf } from './support/responses-suite.js';

interface RunResult {
  finalOutput: unknown;
  lastResponseId: string | undefined;
  completed?: Promise<void>;
  toTextStream?: () => AsyncIterable<string>;
}
interface Sdk {
  Agent: new (config: { name: string; instructions: string; model: unknown; tools: unknown[] }) => unknown;
  run(
    agent: unknown,
    input: string,
    options: { previousResponseId?: string; conversationId?: string; stream?: boolean },
  ): Promise<RunResult>;
  tool(config: { name: string; description: string; parameters: unknown; execute: (input: { city: string }) => Promise<string> }): unknown;
  OpenAIResponsesModel: new (client: unknown, model: string) => unknown;
  setTracingDisabled(disabled: boolean): void;
}
interface Zod {
  z: { object(shape: Record<string, unknown>): unknown; string(): unknown };
}

const project = peerProject('openai-agents');
const skip = 'skip' in project ? project.skip : false;

describe('the Agents SDK’s Responses model through the memory proxy', { skip }, () => {
  let upstream: FakeUpstream;
  let proxy: ProxyServer;
  let sdk: Sdk;
  let agent: unknown;
  const cities: string[] = [];
  const sentMessages = () =>
    upstream.requests
      .filter((request) => request.url === '/v1/chat/completions')
      .map((request) => request.body.messages as Array<{ role: string; content: unknown }>);

  before(async () => {
    if ('skip' in project) return;
    const [loaded, openai, zod] = await Promise.all([
      project.load('@openai/agents') as Promise<Sdk>,
      project.load('openai') as Promise<{ default: new (options: object) => unknown }>,
      project.load('zod') as Promise<Zod>,
    ]);
    sdk = loaded;
    sdk.setTracingDisabled(true);
    upstream = await startFakeUpstream();
    proxy = await startProxy({ upstream: upstream.url, upstreamTimeoutMs: 5000 }, { token: 'agents-token' });
    const client = new openai.default({ baseURL: `${proxy.url}/v1`, apiKey: 'agents-token', maxRetries: 0, timeout: 10_000 });
    const weather = sdk.tool({
      name: 'weather',
      description: 'The weather in a city',
      parameters: zod.z.object({ city: zod.z.string() }),
      execute: async ({ city }) => {
        cities.push(city);
        return `sunny in ${city}`;
      },
    });
    agent = new sdk.Agent({
      name: 'forecaster',
      instructions: 'Answer with the weather.',
      model: new sdk.OpenAIResponsesModel(client, 'fake-model'),
      tools: [weather],
    });
  });
  after(async () => {
    await proxy?.close();
    await upstream?.close();
  });
  beforeEach(async () => {
    if ('skip' in project) return;
    upstream.requests.length = 0;
    cities.length = 0;
    await proxy.store.clear();
  });

  /** Runs the agent, streamed or not, and waits for its end. */
  async function runAgent(
    input: string,
    options: { previousResponseId?: string; conversationId?: string },
    stream: boolean,
  ): Promise<RunResult> {
    if (!stream) return sdk.run(agent, input, options);
    const result = await sdk.run(agent, input, { ...options, stream: true });
    let text = '';
    for await (const piece of result.toTextStream!()) text += piece;
    await result.completed;
    assert.equal(text, result.finalOutput);
    return result;
  }

  for (const stream of [false, true]) {
    const how = stream ? 'streamed' : 'JSON';
    it(`previousResponseId, ${how}: the tool runs, and the second run is sent the first one's exchange`, async () => {
      const first = await runAgent('Paris', {}, stream);
      assert.deepEqual(cities, ['Paris']);
      assert.equal(first.finalOutput, 'The tools said "sunny in Paris"; I saw 4 messages.');
      assert.match(first.lastResponseId!, /^resp_/);
      // Within the run, the SDK sent only the tool's result with previousResponseId: the proxy supplied the rest.
      assert.deepEqual(
        sentMessages()[1]!.map((message) => message.role),
        ['system', 'user', 'assistant', 'tool'],
      );

      const second = await runAgent('Rome', { previousResponseId: first.lastResponseId }, stream);
      assert.deepEqual(cities, ['Paris', 'Rome']);
      // Four messages of the first run (its instructions are not memory), then this run's four.
      assert.equal(second.finalOutput, 'The tools said "sunny in Rome"; I saw 8 messages.');
      const secondRunFirstRequest = sentMessages()[2]!;
      assert.deepEqual(
        secondRunFirstRequest.map((message) => message.content ?? null),
        ['Answer with the weather.', 'Paris', null, 'sunny in Paris', first.finalOutput, 'Rome'],
      );
      assert.equal(conversationOf(second.lastResponseId!), conversationOf(first.lastResponseId!));
      assert.equal((await proxy.store.get(conversationOf(first.lastResponseId!))).length, 8);
    });

    it(`conversationId, ${how}: both runs kept in the named conversation, the second sent the first`, async () => {
      const conversationId = `agents-${how}`;
      const first = await runAgent('Oslo', { conversationId }, stream);
      assert.equal(first.finalOutput, 'The tools said "sunny in Oslo"; I saw 4 messages.');
      const second = await runAgent('Lima', { conversationId }, stream);
      assert.equal(second.finalOutput, 'The tools said "sunny in Lima"; I saw 8 messages.');
      assert.deepEqual(
        sentMessages()[2]!.map((message) => message.content ?? null),
        ['Answer with the weather.', 'Oslo', null, 'sunny in Oslo', first.finalOutput, 'Lima'],
      );
      assert.deepEqual(
        (await proxy.store.get(conversationId)).map((turn) => turn.role),
        ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant'],
      );
    });
  }
});
