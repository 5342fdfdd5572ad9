/**
 * `turnstore/openai-agents` with the OpenAI Agents SDK itself (@openai/agents 0.20, in the peer
 * project test/peer-projects/openai-agents: it needs Node.js 22, so these tests are skipped on 20),
 * on every store: the SDK's own `run()` loop with a model of our own (the SDK's `Model` interface,
 * no network) that calls a function tool, keeping its memory in a `TurnstoreSession`.
 *
 * Everything turnstore is loaded from the project's copy of the built package, as a user's code
 * would load it, so the session finds the project's @openai/agents-core and `turnstore/sqlite` the
 * project's better-sqlite3, built for the Node.js running the tests.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type * as Core from '../../src/index.js';
import type * as Agents from '../../src/adapters/openai-agents/index.js';
import type * as Sqlite from '../../src/sqlite/index.js';
import type * as Redis from '../../src/redis/index.js';
import type * as Postgres from '../../src/postgres/index.js';
import { everyItemKind } from '../support/agent-items.js';
import { peerProject } from '../support/peer-project.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

type Item = Record<string, unknown>;

/** What these tests use of @openai/agents (the root has no types for it: it needs Node 22). */
interface Sdk {
  Agent: new (config: { name: string; instructions: string; model: unknown; tools: unknown[] }) => unknown;
  run(agent: unknown, input: string, options: { session: unknown }): Promise<{ finalOutput: unknown; newItems: unknown[] }>;
  tool(config: { name: string; description: string; parameters: unknown; execute: (input: { city: string }) => Promise<string> }): unknown;
  Usage: new () => unknown;
  MemorySession: new () => SessionLike;
  setTracingDisabled(disabled: boolean): void;
  protocol: { ModelItem: { safeParse(value: unknown): { success: boolean; data?: unknown } } };
}
interface SessionLike {
  getItems(limit?: number): Promise<Item[]>;
  addItems(items: Item[]): Promise<void>;
  popItem(): Promise<Item | undefined>;
  clearSession(): Promise<void>;
  getSessionId(): Promise<string>;
}

const project = peerProject('openai-agents');
const skip = 'skip' in project ? project.skip : false;

/**
 * A model of our own, as the SDK's `Model` interface asks: asked with a user message last, it
 * reasons and calls the `weather` tool for the city named in that message; asked with the tool's
 * result last, it answers with it. `delayMs` makes concurrent runs interleave. Every request's
 * input is recorded.
 */
class WeatherModel {
  readonly inputs: Item[][] = [];
  #calls = 0;
  readonly #usage: new () => unknown;
  readonly #delayMs: () => number;

  constructor(usage: new () => unknown, delayMs: () => number = () => 0) {
    this.#usage = usage;
    this.#delayMs = delayMs;
  }

  async getResponse(request: { input: string | Item[] }): Promise<unknown> {
    const input = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
    this.inputs.push(structuredClone(input));
    await sleep(this.#delayMs());
    const last = input.at(-1)!;
    const usage = new this.#usage();
    if (last.type === 'function_call_result') {
      const output = last.output as string | { text: string };
      const text = typeof output === 'string' ? output : output.text;
      return {
        usage,
        responseId: `resp_${++this.#calls}`,
        output: [
          {
            id: `msg_${this.#calls}`,
            type: 'message',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: `The weather: ${text}.` }],
          },
        ],
      };
    }
    const city = /in (\w+)/.exec(String(last.content))?.[1] ?? 'Paris';
    const call = ++this.#calls;
    return {
      usage,
      responseId: `resp_${call}`,
      output: [
        {
          type: 'reasoning',
          id: `rs_${call}`,
          content: [{ type: 'input_text', text: `Look up ${city}.` }],
          providerData: { encrypted_content: 'x' },
        },
        { type: 'function_call', callId: `call_${call}`, name: 'weather', arguments: JSON.stringify({ city }), status: 'completed' },
      ],
    };
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<unknown> {
    throw new Error('these tests do not stream');
  }
}

interface Loaded {
  sdk: Sdk;
  agents: typeof Agents;
  core: typeof Core;
  sqlite: typeof Sqlite;
  redis: typeof Redis;
  postgres: typeof Postgres;
  z: { object(shape: Record<string, unknown>): unknown; string(): unknown };
}

const temp = tempDirForThisFile('turnstore-openai-agents-');
let created = 0;

interface StoreUnderTest {
  readonly name: string;
  readonly skip?: string;
  create(loaded: Loaded): Promise<Core.ConversationStore> | Core.ConversationStore;
}

let redisServer: RedisTestServer | undefined;
let postgresServer: PostgresTestServer | undefined;
const redisSkip = skip ? undefined : redisUnavailable();
const postgresSkip = skip ? undefined : postgresUnavailable();
const STORES: StoreUnderTest[] = [
  { name: 'MemoryStore', create: ({ core }) => new core.MemoryStore({ maxTurns: 200 }) },
  { name: 'SqliteStore', create: ({ sqlite }) => new sqlite.SqliteStore({ path: temp.file(`agents-${++created}.db`), maxTurns: 200 }) },
  {
    name: 'RedisStore (own redis-server)',
    ...(redisSkip === undefined ? {} : { skip: redisSkip }),
    create: ({ redis }) => new redis.RedisStore({ url: redisServer!.url, prefix: `agents-${++created}`, maxTurns: 200 }),
  },
  {
    name: 'PostgresStore (own server)',
    ...(postgresSkip === undefined ? {} : { skip: postgresSkip }),
    create: ({ postgres }) =>
      new postgres.PostgresStore({ connectionString: postgresServer!.url, tablePrefix: `agents_${++created}_`, maxTurns: 200 }),
  },
];

let loaded: Loaded;

describe('TurnstoreSession with the OpenAI Agents SDK', { skip }, () => {
  before(async () => {
    if ('skip' in project) return;
    const [sdk, agents, core, sqlite, redis, postgres, zod] = await Promise.all([
      project.load('@openai/agents') as Promise<Sdk>,
      project.load('turnstore/openai-agents') as Promise<typeof Agents>,
      project.load('turnstore') as Promise<typeof Core>,
      project.load('turnstore/sqlite') as Promise<typeof Sqlite>,
      project.load('turnstore/redis') as Promise<typeof Redis>,
      project.load('turnstore/postgres') as Promise<typeof Postgres>,
      project.load('zod') as Promise<{ z: Loaded['z'] }>,
    ]);
    sdk.setTracingDisabled(true);
    loaded = { sdk, agents, core, sqlite, redis, postgres, z: zod.z };
    if (redisSkip === undefined) redisServer = await RedisTestServer.start();
    if (postgresSkip === undefined) postgresServer = await PostgresTestServer.start();
  });
  after(async () => {
    await redisServer?.stop();
    await postgresServer?.stop();
  });

  it('the items of the fixture are valid SDK items, as the SDK parses them (kinds added later aside)', () => {
    for (const { name, item, sdkKind } of everyItemKind()) {
      const parsed = loaded.sdk.protocol.ModelItem.safeParse(item);
      if (!sdkKind) continue;
      assert.ok(parsed.success, name);
      assert.deepStrictEqual(parsed.data, item, `${name}: the SDK's schema keeps every field`);
    }
  });

  /** An agent with the weather tool on `model`. */
  function agent(model: WeatherModel): unknown {
    const { sdk, z } = loaded;
    const weather = sdk.tool({
      name: 'weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => `21 °C in ${city}`,
    });
    return new sdk.Agent({ name: 'forecaster', instructions: 'Answer with the weather.', model, tools: [weather] });
  }

  for (const target of STORES) {
    describe(target.name, { skip: target.skip ?? false }, () => {
      let store: Core.ConversationStore;
      before(async () => {
        store = await target.create(loaded);
      });
      after(() => store?.close());
      const session = (sessionId: string): SessionLike =>
        new loaded.agents.TurnstoreSession({ store, sessionId }) as unknown as SessionLike;

      it('every item kind round-trips through addItems and getItems, deep-equal, one turn each', async () => {
        const items = everyItemKind().map((entry) => entry.item);
        const memory = session('kinds');
        await memory.addItems(items.slice(0, 10));
        await memory.addItems(items.slice(10));
        assert.deepStrictEqual(await memory.getItems(), items);
        assert.equal((await store.get('kinds')).length, items.length);
        assert.equal(await memory.getSessionId(), 'kinds');
      });

      it('run() keeps its memory in the session: the second run sees the first run’s items, stored as MemorySession stores them', async () => {
        const model = new WeatherModel(loaded.sdk.Usage);
        const memory = session('two-runs');
        const reference = new loaded.sdk.MemorySession();
        const first = await loaded.sdk.run(agent(model), 'What is the weather in Paris?', { session: memory });
        assert.equal(first.finalOutput, 'The weather: 21 °C in Paris.');
        const afterFirst = await memory.getItems();
        assert.deepEqual(
          afterFirst.map((item) => item.type),
          ['message', 'reasoning', 'function_call', 'function_call_result', 'message'],
        );
        // The tool exchange is a tool exchange for the store: an assistant turn calling, a tool turn answering.
        const turns = await store.get('two-runs');
        assert.deepEqual(turns[2]!.toolCalls, [{ id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }]);
        assert.deepEqual([turns[3]!.role, turns[3]!.toolCallId, turns[3]!.content], ['tool', 'call_1', '21 °C in Paris']);

        const second = await loaded.sdk.run(agent(model), 'And in Rome?', { session: memory });
        assert.equal(second.finalOutput, 'The weather: 21 °C in Rome.');
        // The model's first request of the second run: the first run's items, then the new message.
        assert.deepStrictEqual(model.inputs[2], [...afterFirst, { type: 'message', role: 'user', content: 'And in Rome?' }]);

        // The SDK's own MemorySession, given the same runs, holds the same items.
        const again = new WeatherModel(loaded.sdk.Usage);
        await loaded.sdk.run(agent(again), 'What is the weather in Paris?', { session: reference });
        await loaded.sdk.run(agent(again), 'And in Rome?', { session: reference });
        assert.deepStrictEqual(await memory.getItems(), await reference.getItems());
        assert.equal((await memory.getItems()).length, 10);
        assert.deepStrictEqual(await memory.getItems(3), (await reference.getItems()).slice(-3));
      });

      it('getItems(limit) gives the newest items, oldest first, without a call result cut off from its call', async () => {
        const model = new WeatherModel(loaded.sdk.Usage);
        const memory = session('limit');
        await loaded.sdk.run(agent(model), 'What is the weather in Oslo?', { session: memory });
        const all = await memory.getItems();
        assert.deepStrictEqual(await memory.getItems(3), all.slice(-3));
        // The newest two are the result and the answer: the result's call is not among them.
        assert.deepStrictEqual(await memory.getItems(2), all.slice(-1));
        assert.deepStrictEqual(await memory.getItems(0), []);
        assert.deepStrictEqual(await memory.getItems(99), all);
        await assert.rejects(memory.getItems(-1), { code: 'TURNSTORE_INVALID_OPTION' });
      });

      it('the summary is a system item first, kept within getItems(limit), and addItems never stores it back', async () => {
        const memory = session('summary');
        const user = (content: string): Item => ({ type: 'message', role: 'user', content });
        await memory.addItems([user('I am Ada.'), user('I like tea.'), user('What is my name?')]);
        const seen = await store.get('summary');
        await store.compact('summary', { summary: 'The user is Ada and likes tea.', through: seen[1]!, seen });
        const items = await memory.getItems();
        assert.deepStrictEqual(items, [
          { type: 'message', role: 'system', content: 'The user is Ada and likes tea.' },
          user('What is my name?'),
        ]);
        assert.deepStrictEqual(await memory.getItems(1), items.slice(0, 1), 'the summary goes last');
        assert.deepStrictEqual(await memory.getItems(2), items);
        await memory.addItems(items);
        const turns = await store.get('summary');
        assert.deepStrictEqual(
          turns.map((turn) => [turn.role, turn.content, turn.summary ?? false]),
          [
            ['system', 'The user is Ada and likes tea.', true],
            ['user', 'What is my name?', false],
            ['user', 'What is my name?', false],
          ],
        );
      });

      it('popItem undoes the newest item, one at a time; clearSession empties the session', async () => {
        const model = new WeatherModel(loaded.sdk.Usage);
        const memory = session('pop');
        await loaded.sdk.run(agent(model), 'What is the weather in Lima?', { session: memory });
        const all = await memory.getItems();
        assert.deepStrictEqual(await memory.popItem(), all.at(-1));
        assert.deepStrictEqual(await memory.getItems(), all.slice(0, -1));
        assert.deepStrictEqual(await memory.popItem(), all.at(-2));
        assert.equal((await store.get('pop')).length, all.length - 2);
        // Undo the call and the reasoning too: a run after the undo sees the history as it now is.
        assert.deepStrictEqual(await memory.popItem(), all.at(-3));
        assert.deepStrictEqual(await memory.popItem(), all.at(-4));
        await loaded.sdk.run(agent(model), 'And in Quito?', { session: memory });
        assert.deepStrictEqual(model.inputs.at(-2), [all[0], { type: 'message', role: 'user', content: 'And in Quito?' }]);
        await memory.clearSession();
        assert.deepStrictEqual(await memory.getItems(), []);
        assert.equal(await memory.popItem(), undefined);
        assert.deepEqual(await store.get('pop'), []);
      });

      it('concurrent runs (four) on one session keep each run’s items together', async () => {
        const model = new WeatherModel(loaded.sdk.Usage, () => Math.random() * 20);
        const memory = session('concurrent');
        const cities = ['Paris', 'Rome', 'Oslo', 'Lima'];
        await Promise.all(cities.map((city) => loaded.sdk.run(agent(model), `What is the weather in ${city}?`, { session: memory })));
        const items = await memory.getItems();
        assert.equal(items.length, cities.length * 5);
        const seen: string[] = [];
        for (let start = 0; start < items.length; start += 5) {
          const [question, reasoning, call, result, answer] = items.slice(start, start + 5) as Item[];
          const city = /in (\w+)\?/.exec(String(question!.content))![1]!;
          seen.push(city);
          assert.equal(reasoning!.type, 'reasoning');
          assert.equal(call!.arguments, JSON.stringify({ city }));
          assert.equal(result!.callId, call!.callId);
          assert.deepEqual(answer!.content, [{ type: 'output_text', text: `The weather: 21 °C in ${city}.` }]);
        }
        assert.deepEqual(seen.sort(), [...cities].sort());
      });
    });
  }
});
