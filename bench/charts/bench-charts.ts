/**
 * The benchmark report's charts, each built from one suite's results file: pure functions from
 * parsed results to SVG text. Every chart says on it which machine ran it and that its figures
 * come from one run; absolute figures say so, and ratios are against a baseline of the same run.
 */
import { isMeasured, type BackendsResults } from '../backends/results.js';
import { bytesPerTurnOf, rateOf, ratio, type CoreResults, type StoreName } from '../core/results.js';
import { median, throughputRatio, type ServiceResults } from '../service/results.js';
import { formatNumber, renderBarChart, renderLineChart, PALETTE } from './svg.js';

/** The machine a suite ran on, as one line. */
export function machineLine(run: {
  readonly machine: { readonly cpu: string; readonly cores: number; readonly os: string };
  readonly date: string;
}): string {
  return `${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.os}; ${run.date.slice(0, 10)}`;
}

const times = (value: number | null) =>
  value === null ? 'n/a' : value >= 100 ? `${Math.round(value).toLocaleString('en-US')}×` : `${value.toPrecision(3)}×`;
const perSecond = (value: number) => `${formatNumber(value)}/s`;

/** The same color for a store on every chart. */
const STORE_COLORS: Partial<Record<StoreName, string>> = {
  turnstore: PALETTE[0],
  seed: PALETTE[1],
  'lru-cache': PALETTE[2],
  langchain: PALETTE[3],
  'bare-strings': '#888888',
};
const STORE_NAMES: Partial<Record<StoreName, string>> = {
  turnstore: 'turnstore MemoryStore',
  seed: 'seed (Python memory.py)',
  'lru-cache': 'store on lru-cache',
  langchain: "LangChain's in-memory history",
};

/** Creating a conversation at a full cap against the cap, log–log: the headline chart. */
export function coreScalingChart(core: CoreResults): string {
  const caps = [...core.parameters.caps].sort((a, b) => a - b);
  const stores: StoreName[] = ['turnstore', 'lru-cache', 'langchain', 'seed'];
  const largest = caps[caps.length - 1]!;
  const smallest = caps[0]!;
  const at = (store: StoreName, cap: number) => rateOf(core.results, store, `create-at-cap-${cap}`);
  return renderLineChart({
    title: 'New conversations per second when the store is full',
    subtitle: [
      'Each new conversation evicts the least recently used one. Absolute ops/s, log–log.',
      `One run of npm run bench:core on ${machineLine(core)}`,
    ],
    x: { label: 'conversations held (the cap)', log: true, ticks: caps, min: smallest / 1.6, max: largest * 1.6 },
    y: { label: 'new conversations per second (higher is better)', log: true },
    series: stores.map((store) => ({
      name: STORE_NAMES[store]!,
      color: STORE_COLORS[store]!,
      labelLast: true,
      points: caps.flatMap((cap) => {
        const rate = at(store, cap);
        return rate === undefined ? [] : [[cap, rate] as const];
      }),
    })),
    notes: [
      `Same run, at ${largest.toLocaleString('en-US')}: turnstore ${times(ratio(at('turnstore', largest), at('seed', largest)))} the seed, ${times(ratio(at('turnstore', largest), at('lru-cache', largest)))} the lru-cache store, ${times(ratio(at('turnstore', largest), at('langchain', largest)))} LangChain.`,
      `turnstore at ${largest.toLocaleString('en-US')} ÷ at ${smallest.toLocaleString('en-US')}: ${times(ratio(at('turnstore', largest), at('turnstore', smallest)))} (flat would be 1×; the seed: ${times(ratio(at('seed', largest), at('seed', smallest)))}).`,
      'Every store awaited one call at a time, in its own process; median of 7 samples. Details: docs/benchmarks.md.',
    ],
  });
}

/** Heap bytes per stored turn, each against bare strings in its own runtime. */
export function coreHeapChart(core: CoreResults): string {
  const rows: { label: string; store: StoreName; python: boolean }[] = [
    { label: 'turnstore MemoryStore', store: 'turnstore', python: false },
    { label: 'store on lru-cache', store: 'lru-cache', python: false },
    { label: "LangChain's in-memory history", store: 'langchain', python: false },
    { label: 'bare strings (Node)', store: 'bare-strings', python: false },
    { label: 'seed (Python memory.py)', store: 'seed', python: true },
    { label: 'bare strings (Python)', store: 'seed', python: true },
  ];
  const seedOutcome = core.results.seed?.heap;
  const pythonBare = seedOutcome && 'bareStringBytes' in seedOutcome ? seedOutcome.bareStringBytes : undefined;
  const nodeBare = bytesPerTurnOf(core.results, 'bare-strings');
  const values = rows.map((row, index) => (index === 5 ? (pythonBare ?? null) : (bytesPerTurnOf(core.results, row.store) ?? null)));
  return renderBarChart({
    title: 'Memory per stored turn (64-character content)',
    subtitle: ['Bytes per turn (lower is better); ratios against bare strings.', `One run of npm run bench:core on ${machineLine(core)}`],
    categories: rows.map((row) => row.label),
    series: [{ name: 'bytes per turn', values }],
    barColor: (category) =>
      category === 3 || category === 5
        ? '#999999'
        : rows[category]!.python
          ? PALETTE[1]
          : (STORE_COLORS[rows[category]!.store] ?? PALETTE[0]),
    value: { label: 'bytes per turn: V8 heap (Node) or tracemalloc (Python), after 10,000 conversations × 8 turns' },
    barLabel: (value, category) => {
      const bare = rows[category]!.python ? pythonBare : nodeBare;
      const relative = category === 3 || category === 5 ? 'the baseline' : `${times(ratio(value, bare))} bare strings`;
      return `${value.toFixed(1)} B (${relative})`;
    },
    notes: [
      'Ratios are against bare strings of the same runtime in the same run: the cost of the content itself.',
      'Node and Python measure heap differently, so compare each ratio, not Node bytes with Python bytes.',
    ],
  });
}

/** Append and get throughput of each backend, one caller: absolute, from two suites. */
export function backendsChart(backends: BackendsResults, core: CoreResults | undefined): string {
  const redis = isMeasured(backends.redis) ? backends.redis : undefined;
  const sqlite = isMeasured(backends.sqlite.normal) ? backends.sqlite.normal : undefined;
  const postgres = isMeasured(backends.postgres) ? backends.postgres : undefined;
  const operations = ['append', 'get'] as const;
  const series = [
    {
      name: 'MemoryStore (in process)',
      values: operations.map((op) => (core ? (rateOf(core.results, 'turnstore', op) ?? null) : null)),
      color: PALETTE[0],
    },
    {
      name: "SqliteStore (synchronous: 'normal')",
      values: operations.map((op) => sqlite?.store[op].opsPerSecond ?? null),
      color: PALETTE[4],
    },
    {
      name: 'RedisStore (node-redis 6)',
      values: operations.map((op) => redis?.sequential.turnstore[op].opsPerSecond ?? null),
      color: PALETTE[5],
    },
    {
      name: 'LangChain RedisChatMessageHistory (node-redis 4)',
      values: operations.map((op) => redis?.sequential.langchain[op].opsPerSecond ?? null),
      color: PALETTE[3],
    },
    {
      name: 'PostgresStore (fsync on)',
      values: operations.map((op) => postgres?.sequential.turnstore[op].opsPerSecond ?? null),
      color: PALETTE[1],
    },
    {
      name: 'LangChain PostgresChatMessageHistory',
      values: operations.map((op) => postgres?.sequential.langchain[op].opsPerSecond ?? null),
      color: PALETTE[2],
    },
  ];
  const notes = [
    `Absolute calls/s, one caller awaiting each call. MemoryStore from npm run bench:core (64-byte turns${core ? `, ${core.date.slice(0, 10)}` : ''});`,
    'SQLite, Redis and PostgreSQL from npm run bench:backends (100–300-byte turns, servers on loopback, started for the run).',
  ];
  if (redis) {
    notes.push(
      `Same run: RedisStore ÷ LangChain, each as it comes (RedisStore: one connection): append ${times(redis.ratios.sequential.append.defaults)}, get ${times(redis.ratios.sequential.get.defaults)} (16 callers: ${times(redis.ratios.concurrent.append.defaults)}, ${times(redis.ratios.concurrent.get.defaults)}).`,
    );
  }
  if (sqlite)
    notes.push(
      `Same run: SqliteStore append ÷ a bare autocommitted INSERT: ${times(sqlite.store.append.opsPerSecond / sqlite.bare.insert.opsPerSecond)}.`,
    );
  if (postgres) {
    const n = postgres.parameters.concurrency;
    notes.push(
      `Same run, one pg pool: PostgresStore append ÷ LangChain ${times(postgres.ratios.sequential.append.langchain)}, ÷ a bare INSERT ${times(postgres.ratios.sequential.append.bare)}` +
        ` (${n} callers: ${times(postgres.ratios.concurrent.append.langchain)}, ${times(postgres.ratios.concurrent.append.bare)}).`,
    );
  }
  return renderBarChart({
    title: 'Backends: calls per second, one caller',
    subtitle: ['Absolute calls per second, log scale.', `One run of npm run bench:backends on ${machineLine(backends)}`],
    categories: ['append one turn', 'get a conversation (8 turns)'],
    series,
    value: { label: 'calls per second (higher is better), log scale', log: true },
    barLabel: (value) => perSecond(value),
    notes,
  });
}

/** The service against a bare Fastify route answering the same bytes, under load. */
export function serviceChart(service: ServiceResults): string {
  const workloads = Object.keys(service.workloads) as (keyof ServiceResults['workloads'])[];
  const labels: Record<string, string> = { get: 'get a conversation (8 turns × 2 KB)', append: 'append one turn (2 KB)' };
  const rate = (workload: keyof ServiceResults['workloads'], server: 'service' | 'bare') =>
    median(service.workloads[workload][server].map((run) => run.requestsPerSecond));
  return renderBarChart({
    title: 'HTTP service: requests per second against a bare route',
    subtitle: [
      'Absolute requests per second; ratios against the bare route.',
      `One run of npm run bench:service on ${machineLine(service)}`,
    ],
    categories: workloads.map((workload) => labels[workload] ?? workload),
    series: [
      { name: 'turnstore serve (memory store)', values: workloads.map((workload) => rate(workload, 'service')), color: PALETTE[0] },
      { name: 'bare Fastify route, same-sized JSON', values: workloads.map((workload) => rate(workload, 'bare')), color: '#999999' },
    ],
    value: {
      label: `requests per second, median of ${service.parameters.rounds} runs of ${service.parameters.durationSeconds} s, ${service.parameters.connections} connections (higher is better)`,
    },
    barLabel: (value, category, series) =>
      series === 0
        ? `${formatNumber(value)} req/s (${times(throughputRatio(service.workloads[workloads[category]!]))} bare)`
        : `${formatNumber(value)} req/s`,
    notes: [
      'Ratios are the service ÷ the bare route, measured alternately in the same run; load generator (autocannon)',
      'and servers share the machine, so absolute rates depend on it and on what else ran.',
    ],
  });
}
