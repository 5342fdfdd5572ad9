/**
 * One paragraph under each chart in docs/benchmarks.md, with the figures that chart supports:
 * ratios against a baseline of the same run, or absolute figures labelled as such.
 */
import { isMeasured, type BackendsResults } from '../backends/results.js';
import { bytesPerTurnOf, rateOf, ratio, type CoreResults } from '../core/results.js';
import { median, throughputRatio, type ServiceResults } from '../service/results.js';
import { formatNumber } from './svg.js';

const times = (value: number | null | undefined) =>
  value === null || value === undefined
    ? 'n/a'
    : value >= 100
      ? `${Math.round(value).toLocaleString('en-US')}×`
      : `${value.toPrecision(3)}×`;
const count = (value: number) => value.toLocaleString('en-US');
const machine = (run: { machine: { cpu: string; cores: number }; date: string }) =>
  `${run.machine.cpu}, ${run.machine.cores} cores, ${run.date.slice(0, 10)}`;

/** Under the scaling chart. */
export function scalingCaption(core: CoreResults): string {
  const caps = [...core.parameters.caps].sort((a, b) => a - b);
  const small = caps[0]!;
  const large = caps[caps.length - 1]!;
  const at = (store: 'turnstore' | 'seed' | 'lru-cache' | 'langchain', cap: number) => rateOf(core.results, store, `create-at-cap-${cap}`);
  return (
    `Creating a conversation in a full store (each creation evicts the least recently used one). ` +
    `Same run: from ${count(small)} to ${count(large)} conversations turnstore keeps ${times(ratio(at('turnstore', large), at('turnstore', small)))} of its rate, the seed ${times(ratio(at('seed', large), at('seed', small)))}; ` +
    `at ${count(large)} turnstore is ${times(ratio(at('turnstore', large), at('seed', large)))} the seed, ${times(ratio(at('turnstore', large), at('lru-cache', large)))} the lru-cache store and ${times(ratio(at('turnstore', large), at('langchain', large)))} LangChain's history. ` +
    `The y axis is absolute (ops/s on ${machine(core)}).`
  );
}

/** Under the memory-per-turn chart. */
export function heapCaption(core: CoreResults): string {
  const bare = bytesPerTurnOf(core.results, 'bare-strings');
  const of = (store: 'turnstore' | 'lru-cache' | 'langchain') => times(ratio(bytesPerTurnOf(core.results, store), bare));
  const seed = core.results.seed?.heap;
  const seedRatio = seed && 'bytesPerTurn' in seed && seed.bareStringBytes ? times(seed.bytesPerTurn / seed.bareStringBytes) : 'n/a';
  return `Memory per stored turn of 64 characters, against bare strings of the same runtime in the same run: turnstore ${of('turnstore')}, the lru-cache store ${of('lru-cache')}, LangChain's history ${of('langchain')}; the seed ${seedRatio} (Python).`;
}

/** Under the backends chart. */
export function backendsCaption(backends: BackendsResults): string {
  const parts = [`Absolute calls per second with one caller, log scale (${machine(backends)}; the memory figure from bench:core's run).`];
  if (isMeasured(backends.sqlite.normal)) {
    const sqlite = backends.sqlite.normal;
    parts.push(
      `Same run: SqliteStore appends at ${times(sqlite.store.append.opsPerSecond / sqlite.bare.insert.opsPerSecond)} a bare autocommitted INSERT.`,
    );
  }
  if (isMeasured(backends.redis)) {
    const redis = backends.redis;
    parts.push(
      `RedisStore ÷ LangChain's RedisChatMessageHistory, each as it comes (RedisStore from a URL: one connection), one caller: append ${times(redis.ratios.sequential.append.defaults)}, get ${times(redis.ratios.sequential.get.defaults)}; ` +
        `both on node-redis 6: append ${times(redis.ratios.sequential.append.sameDriver6)}, get ${times(redis.ratios.sequential.get.sameDriver6)} (RedisStore also trims, expires and evicts in that call).`,
    );
  }
  if (isMeasured(backends.postgres)) {
    const postgres = backends.postgres;
    const n = postgres.parameters.concurrency;
    parts.push(
      `PostgresStore (PostgreSQL ${postgres.versions.postgresServer.split(' ')[0]}, fsync on) ÷ LangChain's PostgresChatMessageHistory on the same pg pool, append: ${times(postgres.ratios.sequential.append.langchain)} with one caller, ${times(postgres.ratios.concurrent.append.langchain)} with ${n} callers (target ≥ 1.25×); ` +
        `÷ a bare single-row INSERT: ${times(postgres.ratios.sequential.append.bare)} and ${times(postgres.ratios.concurrent.append.bare)} (target ≥ 0.7×). Get ÷ LangChain: ${times(postgres.ratios.sequential.get.langchain)} and ${times(postgres.ratios.concurrent.get.langchain)}.`,
    );
  }
  return parts.join(' ');
}

/** Under the service chart. */
export function serviceCaption(service: ServiceResults): string {
  const workloads = Object.keys(service.workloads) as (keyof ServiceResults['workloads'])[];
  const figures = workloads.map(
    (workload) =>
      `${workload} ${times(throughputRatio(service.workloads[workload]))} (${formatNumber(median(service.workloads[workload].service.map((run) => run.requestsPerSecond)))} req/s absolute)`,
  );
  return `turnstore serve ÷ a bare Fastify route answering the same bytes, same run: ${figures.join(', ')}, on ${machine(service)} with the load generator on the same cores.`;
}
