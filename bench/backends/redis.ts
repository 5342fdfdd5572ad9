/**
 * RedisStore against LangChain's `RedisChatMessageHistory` and against the floor (one bare
 * `RPUSH` / `LRANGE`), on one redis-server started for the run, one caller at a time and with
 * concurrent callers, with ratios; plus what one Redis holds per conversation and how fast it
 * creates conversations at a full LRU cap. bench/backends/main.ts calls {@link benchRedis}; run
 * this file directly to print one result as JSON (optional arguments: conversations, ops per run,
 * runs, capacity conversations):
 *
 *   npm run build && node scripts/bench.mjs backends/redis.js [conversations] [opsPerRun] [runs] [capacityConversations]
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { createClient } from 'redis';
import { RedisStore } from '../../src/redis/index.js';
import { RedisTestServer } from '../../test/support/redis-server.js';
import { median } from '../core/measure.js';
import { packageVersion } from '../package-version.js';
import { contentsOf, conversationIds, roleOf, timeRun } from './workload.js';
import type { RedisBenchRate, RedisBenchResult, RedisContender, RedisRates } from './results.js';

/** What {@link benchRedis} measures and how; every field has a default. */
export interface RedisBenchOptions {
  /**
   * Conversations, each pre-filled with `maxTurns` turns, that append and get visit round-robin
   * (each RedisStore append then trims the oldest turn, as in a long chat).
   * @default 1000
   */
  readonly conversations?: number;
  /** @default 8 */
  readonly maxTurns?: number;
  /** Mean content length (ASCII); lengths vary from half to one and a half times it. @default 200 */
  readonly contentLength?: number;
  /** Operations timed per workload per run. @default 4000 */
  readonly opsPerRun?: number;
  /** Runs; each times every workload once in a rotating order; the median run is reported. @default 7 */
  readonly runs?: number;
  /** Callers in flight at once in the concurrent runs. @default 16 */
  readonly concurrency?: number;
  /** Conversations in the capacity measurement (memory per conversation, creation at a full cap). @default 50000 */
  readonly capacityConversations?: number;
  /** Called with a line of progress now and then. */
  readonly progress?: (message: string) => void;
}

/** A workload: performs `count` operations with `callers` of them in flight at once. */
interface Workload {
  readonly contender: RedisContender;
  readonly op: 'append' | 'get';
  readonly call: (index: number) => Promise<unknown>;
}

/** The Redis server's CPU time so far (user + system), in seconds. */
async function redisCpuSeconds(client: { info(section: string): Promise<string> }): Promise<number> {
  const info = await client.info('cpu');
  return Number(infoField(info, 'used_cpu_user')) + Number(infoField(info, 'used_cpu_sys'));
}

function infoField(info: string, field: string): string {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  if (!match) throw new Error(`INFO has no ${field}`);
  return match[1]!.trim();
}

/**
 * Measures RedisStore against LangChain's Redis history and bare commands on a redis-server of
 * its own (started and stopped here), with `concurrency` callers and with one. About a minute
 * with the defaults.
 */
export async function benchRedis(options: RedisBenchOptions = {}): Promise<RedisBenchResult> {
  const conversations = options.conversations ?? 1000;
  const maxTurns = options.maxTurns ?? 8;
  const contentLength = options.contentLength ?? 200;
  const opsPerRun = options.opsPerRun ?? 4000;
  const runs = options.runs ?? 7;
  const concurrency = options.concurrency ?? 16;
  const capacityConversations = options.capacityConversations ?? 50_000;
  const progress = options.progress ?? (() => {});

  const contentOf = contentsOf(contentLength);
  const messageOf = (index: number): BaseMessage => (index & 1 ? new AIMessage(contentOf(index)) : new HumanMessage(contentOf(index)));
  const { readIds, writeIds } = conversationIds(conversations);

  const server = await RedisTestServer.start();
  // LangChain's own driver (its dependency, node-redis 4), as its users get it; one shared client.
  const LangchainRedis = createRequire(import.meta.resolve('@langchain/redis'))('redis') as {
    createClient: typeof createClient;
  };
  const clients = {
    ours: await createClient({ url: server.url })
      .on('error', () => {})
      .connect(),
    langchain: await LangchainRedis.createClient({ url: server.url })
      .on('error', () => {})
      .connect(),
  };
  const capacity = { maxTurns, maxConversations: 4 * conversations, ttlSeconds: 3600 };
  const store = new RedisStore({ url: server.url, prefix: 'bench', ...capacity });
  const storeTwoConnections = new RedisStore({ url: server.url, prefix: 'bench-two', connections: 2, ...capacity });
  const storeOnLangchainDriver = new RedisStore({ client: clients.langchain as never, prefix: 'bench-driver-4', ...capacity });
  try {
    const histories = (client: unknown, prefix: string, ids: readonly string[]) =>
      ids.map((id) => new RedisChatMessageHistory({ sessionId: `${prefix}:${id}`, sessionTTL: 3600, client: client as never }));
    const langchain = { read: histories(clients.langchain, 'lc', readIds), write: histories(clients.langchain, 'lc', writeIds) };
    const langchainSameDriver = { read: histories(clients.ours, 'lc6', readIds), write: histories(clients.ours, 'lc6', writeIds) };

    progress(`redis: filling ${conversations} read and ${conversations} write conversations × ${maxTurns} turns for each contender`);
    for (let turn = 0; turn < maxTurns; turn++) {
      for (let c = 0; c < conversations; c++) {
        const index = turn * conversations + c;
        await Promise.all([
          store.append(readIds[c]!, roleOf(index), contentOf(index)),
          store.append(writeIds[c]!, roleOf(index), contentOf(index)),
          storeTwoConnections.append(readIds[c]!, roleOf(index), contentOf(index)),
          storeTwoConnections.append(writeIds[c]!, roleOf(index), contentOf(index)),
          storeOnLangchainDriver.append(readIds[c]!, roleOf(index), contentOf(index)),
          storeOnLangchainDriver.append(writeIds[c]!, roleOf(index), contentOf(index)),
          langchain.read[c]!.addMessage(messageOf(index)),
          langchain.write[c]!.addMessage(messageOf(index)),
          langchainSameDriver.read[c]!.addMessage(messageOf(index)),
          langchainSameDriver.write[c]!.addMessage(messageOf(index)),
          clients.ours.sendCommand(['RPUSH', `bare:${readIds[c]}`, contentOf(index)]),
          clients.ours.sendCommand(['RPUSH', `bare:${writeIds[c]}`, contentOf(index)]),
        ]);
      }
    }

    const workloads: Workload[] = [
      { contender: 'turnstore', op: 'append', call: (i) => store.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)) },
      { contender: 'turnstore', op: 'get', call: (i) => store.get(readIds[i % conversations]!) },
      {
        contender: 'turnstoreTwoConnections',
        op: 'append',
        call: (i) => storeTwoConnections.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)),
      },
      { contender: 'turnstoreTwoConnections', op: 'get', call: (i) => storeTwoConnections.get(readIds[i % conversations]!) },
      {
        contender: 'turnstoreLangchainDriver',
        op: 'append',
        call: (i) => storeOnLangchainDriver.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)),
      },
      { contender: 'turnstoreLangchainDriver', op: 'get', call: (i) => storeOnLangchainDriver.get(readIds[i % conversations]!) },
      { contender: 'langchain', op: 'append', call: (i) => langchain.write[i % conversations]!.addMessage(messageOf(i)) },
      { contender: 'langchain', op: 'get', call: (i) => langchain.read[i % conversations]!.getMessages() },
      {
        contender: 'langchainSameDriver',
        op: 'append',
        call: (i) => langchainSameDriver.write[i % conversations]!.addMessage(messageOf(i)),
      },
      { contender: 'langchainSameDriver', op: 'get', call: (i) => langchainSameDriver.read[i % conversations]!.getMessages() },
      {
        contender: 'bare',
        op: 'append',
        call: (i) => clients.ours.sendCommand(['RPUSH', `bare:${writeIds[i % conversations]}`, contentOf(i)]),
      },
      { contender: 'bare', op: 'get', call: (i) => clients.ours.sendCommand(['LRANGE', `bare:${readIds[i % conversations]}`, '0', '-1']) },
    ];

    const measure = async (callers: number): Promise<RedisRates> => {
      const label = callers === 1 ? 'one caller' : `${callers} concurrent callers`;
      for (const workload of workloads) await timeRun(workload.call, 0, Math.max(1, Math.floor(opsPerRun / 10)), callers);
      const samples = new Map<Workload, number[]>(workloads.map((workload) => [workload, []]));
      const redisCpu = new Map<Workload, number>(workloads.map((workload) => [workload, 0]));
      let index = opsPerRun;
      for (let run = 0; run < runs; run++) {
        // Rotating the order spreads machine noise over every workload alike.
        for (let k = 0; k < workloads.length; k++) {
          const workload = workloads[(run + k) % workloads.length]!;
          const cpuBefore = await redisCpuSeconds(clients.ours);
          samples.get(workload)!.push((await timeRun(workload.call, index, opsPerRun, callers)).perSecond);
          redisCpu.set(workload, redisCpu.get(workload)! + (await redisCpuSeconds(clients.ours)) - cpuBefore);
          index += opsPerRun;
        }
        progress(`redis, ${label}: run ${run + 1}/${runs} done`);
      }
      const rate = (contender: RedisContender, op: 'append' | 'get'): RedisBenchRate => {
        const workload = workloads.find((candidate) => candidate.contender === contender && candidate.op === op)!;
        const taken = samples.get(workload)!;
        return { opsPerSecond: median(taken), samples: taken, redisCpuMicros: (redisCpu.get(workload)! * 1e6) / (runs * opsPerRun) };
      };
      const rates = (contender: RedisContender) => ({ append: rate(contender, 'append'), get: rate(contender, 'get') });
      return {
        turnstore: rates('turnstore'),
        turnstoreTwoConnections: rates('turnstoreTwoConnections'),
        turnstoreLangchainDriver: rates('turnstoreLangchainDriver'),
        langchain: rates('langchain'),
        langchainSameDriver: rates('langchainSameDriver'),
        bare: rates('bare'),
      };
    };
    const sequential = await measure(1);
    const concurrent = await measure(concurrency);

    const ratiosOf = (rates: RedisRates) => {
      const of = (op: 'append' | 'get') => ({
        defaults: rates.turnstore[op].opsPerSecond / rates.langchain[op].opsPerSecond,
        sameDriver6: rates.turnstore[op].opsPerSecond / rates.langchainSameDriver[op].opsPerSecond,
        sameDriver4: rates.turnstoreLangchainDriver[op].opsPerSecond / rates.langchain[op].opsPerSecond,
        bare: rates.turnstore[op].opsPerSecond / rates.bare[op].opsPerSecond,
      });
      return { append: of('append'), get: of('get') };
    };
    const ratios = { sequential: ratiosOf(sequential), concurrent: ratiosOf(concurrent) };
    const appendMet = (['sequential', 'concurrent'] as const).every((mode) => ratios[mode].append.defaults >= 1);
    const appendMetOnEveryDriver = (['sequential', 'concurrent'] as const).every((mode) => {
      const { defaults, sameDriver6, sameDriver4 } = ratios[mode].append;
      return defaults >= 1 && sameDriver6 >= 1 && sameDriver4 >= 1;
    });

    progress(`redis: capacity, ${capacityConversations} conversations × ${maxTurns} turns`);
    const capacityResult = await measureCapacity(server, clients.ours, capacityConversations, maxTurns, contentOf, concurrency);

    return {
      parameters: { conversations, maxTurns, contentLength, opsPerRun, runs, concurrency, capacityConversations },
      versions: {
        redisServer: infoField(await clients.ours.info('server'), 'redis_version'),
        nodeRedis: packageVersion('redis'),
        langchainRedis: packageVersion('@langchain/redis'),
        langchainNodeRedis: packageVersion('@langchain/redis/node_modules/redis'),
        node: process.version,
      },
      sequential,
      concurrent,
      ratios,
      appendTarget: { ratio: 1, met: appendMet, metOnEveryDriver: appendMetOnEveryDriver },
      capacity: capacityResult,
    };
  } finally {
    await store.close();
    await storeTwoConnections.close();
    await storeOnLangchainDriver.close();
    await clients.ours.close();
    await clients.langchain.quit();
    await server.stop();
  }
}

/**
 * Fills a fresh prefix with `count` conversations of `turnsEach` turns (one appendMany each) and
 * reads Redis's used_memory before and after; then times appends to new ids at that full cap,
 * each of which evicts the least recently used conversation in the same script.
 */
async function measureCapacity(
  server: RedisTestServer,
  client: { sendCommand(args: string[]): Promise<unknown>; info(section: string): Promise<string> },
  count: number,
  turnsEach: number,
  contentOf: (index: number) => string,
  callers: number,
): Promise<RedisBenchResult['capacity']> {
  await client.sendCommand(['FLUSHALL']);
  const usedMemory = async (): Promise<number> => Number(infoField(await client.info('memory'), 'used_memory'));
  const before = await usedMemory();
  const store = new RedisStore({ url: server.url, prefix: 'capacity', maxTurns: turnsEach, maxConversations: count, ttlSeconds: 3600 });
  try {
    let contentBytes = 0;
    await timeRun(
      async (c) => {
        const turns = Array.from({ length: turnsEach }, (_, t) => ({ role: roleOf(t), content: contentOf(c * turnsEach + t) }));
        for (const turn of turns) contentBytes += turn.content.length;
        await store.appendMany(`conversation-${c}`, turns);
      },
      0,
      count,
      callers,
    );
    const usedMemoryBytes = (await usedMemory()) - before;
    const creates = Math.min(count, 20_000);
    const createAtCapPerSecond = (await timeRun((i) => store.append(`new-${i}`, 'user', contentOf(i)), 0, creates, callers)).perSecond;
    return {
      conversations: count,
      turnsEach,
      usedMemoryBytes,
      bytesPerConversation: usedMemoryBytes / count,
      contentBytesPerConversation: contentBytes / count,
      createAtCapPerSecond,
    };
  } finally {
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Optional arguments, for shorter runs: conversations, ops per run, runs, capacity conversations.
  const [conversations, opsPerRun, runs, capacityConversations] = process.argv
    .slice(2)
    .map((arg) => (Number.isFinite(Number(arg)) ? Number(arg) : undefined));
  const result = await benchRedis({
    conversations,
    opsPerRun,
    runs,
    capacityConversations,
    progress: (message) => process.stderr.write(`  ${message}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
