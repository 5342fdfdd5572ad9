/** The stress run's results file, its chart (docs/stress.svg) and its section of docs/benchmarks.md. */
import { renderLineChart, PALETTE } from '../charts/svg.js';
import { markdownTable } from '../markdown-table.js';
import type { Operation } from './load.js';
import type { StressParameters } from './parameters.js';
import type { BudgetMode } from './service-process.js';
import { filledAtSeconds, HEAP_JUDGED_FROM_SECONDS, heapTrend, type HeapReading, type MemorySample, type StressCheck } from './verdict.js';

/** The shape of bench/results/stress.json. */
export interface StressResults {
  readonly suite: 'stress';
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryBytes: number;
    readonly os: string;
    readonly loadAverage: readonly number[];
  };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    readonly srcModified: boolean;
    readonly node: string;
  };
  readonly parameters: StressParameters;
  readonly service: {
    /** `node` arguments the service ran with. */
    readonly args: readonly string[];
    /** `flag`: `--max-total-bytes` given; `derived-caps`: the conversation cap bounds content to the budget instead. */
    readonly budgetMode: BudgetMode;
    readonly maxConversations: number;
  };
  readonly requests: {
    readonly total: number;
    readonly perSecond: number;
    readonly byOperation: Readonly<Record<Operation, number>>;
    readonly statuses: Readonly<Record<string, number>>;
    readonly serverErrors: number;
    readonly unexpectedStatuses: number;
    readonly failedRequests: number;
    readonly problems: readonly string[];
    readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  };
  readonly memory: {
    readonly samples: readonly MemorySample[];
    /** Heap in use, read about every statsSeconds (the trend check input). */
    readonly heapReadings: readonly HeapReading[];
    readonly maxContentBytes: number;
    readonly statsReads: number;
  };
  readonly checks: readonly StressCheck[];
  readonly pass: boolean;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** docs/stress.svg: RSS, heap in use and content held over the run, with the budget and the heap limit. */
export function stressChart(run: StressResults): string {
  const samples = run.memory.samples;
  const toMiB = (bytes: number | null) => (bytes === null ? NaN : bytes / 2 ** 20);
  const p = run.parameters;
  const verdict = run.pass ? 'PASSED' : 'FAILED';
  const trend = heapTrend(run.memory.heapReadings, p.durationSeconds, filledAtSeconds(samples, p.maxTotalBytes));
  const bound =
    run.service.budgetMode === 'flag'
      ? { subtitle: `maxTotalBytes ${mib(p.maxTotalBytes)}`, label: `maxTotalBytes (${mib(p.maxTotalBytes)})` }
      : {
          subtitle: `content ≤ ${mib(p.maxTotalBytes)} by the caps: ${run.service.maxConversations} conversations × ${p.maxTurns} turns × ${p.maxTurnBytes / 1024} KiB`,
          label: `content bound by the caps (${mib(p.maxTotalBytes)})`,
        };
  return renderLineChart({
    title: `turnstore serve under stress: memory over ${formatDuration(p.durationSeconds)} (${verdict})`,
    subtitle: [
      `node --max-old-space-size=${p.heapLimitMiB}; ${bound.subtitle}`,
      `${p.clients} clients on loopback: ${run.requests.total.toLocaleString('en-US')} requests, ${run.requests.serverErrors} answered 5xx. Absolute figures from one run of npm run stress`,
      `on ${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.os}; ${run.date.slice(0, 10)}`,
    ],
    x: { label: 'seconds since the load started', min: 0, max: Math.ceil(p.durationSeconds) },
    y: { label: 'MiB', min: 0, max: Math.max(p.heapLimitMiB, ...samples.map((sample) => toMiB(sample.rssBytes))) * 1.08 },
    series: [
      { name: 'RSS (VmRSS)', points: samples.map((sample) => [sample.t, toMiB(sample.rssBytes)] as const), color: PALETTE[1], dots: false },
      {
        name: `V8 heap in use (/metrics, every ${p.statsSeconds} s)`,
        points: run.memory.heapReadings.map(([t, bytes]) => [t, toMiB(bytes)] as const),
        color: PALETTE[0],
        dots: false,
      },
      {
        name: 'content held, stats().bytes',
        points: samples.map((sample) => [sample.t, toMiB(sample.contentBytes)] as const),
        color: PALETTE[2],
        dots: false,
      },
    ],
    references: [
      { y: p.heapLimitMiB, label: `heap limit (--max-old-space-size=${p.heapLimitMiB})`, color: '#7a7a7a' },
      { y: p.maxTotalBytes / 2 ** 20, label: bound.label, color: '#B00020' },
    ],
    markers: [{ x: trend.warmupSeconds, label: 'end of warm-up' }],
    notes: [
      `Heap floor (10th percentile), the quarter after warm-up → the last: ${mib(trend.secondQuarterFloor)} → ${mib(trend.lastQuarterFloor)} (${trend.growth >= 0 ? '+' : ''}${(trend.growth * 100).toFixed(1)} %). Largest content held: ${mib(run.memory.maxContentBytes)}.`,
    ],
  });
}

function formatDuration(seconds: number): string {
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} minutes` : `${Math.round(seconds)} s`;
}

/** The stress section of docs/benchmarks.md. */
export function stressSection(run: StressResults, chartPath: string): string {
  const p = run.parameters;
  const samples = run.memory.samples;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const heap = run.memory.heapReadings.map(([, bytes]) => bytes);
  const rss = samples.map((sample) => sample.rssBytes);
  const commit = run.versions.gitCommit
    ? ` (commit ${run.versions.gitCommit}${run.versions.srcModified ? ', with uncommitted changes in src/' : ''})`
    : '';
  const budget =
    run.service.budgetMode === 'flag'
      ? `\`--max-total-bytes ${p.maxTotalBytes}\` and \`--max-conversations ${run.service.maxConversations}\`, so the byte budget is what binds`
      : `\`--max-conversations ${run.service.maxConversations}\`: this build of \`serve\` has no \`--max-total-bytes\`, so the budget is enforced by the caps instead (${run.service.maxConversations} × ${p.maxTurns} turns × ${p.maxTurnBytes} bytes = ${mib(run.service.maxConversations * p.maxTurns * p.maxTurnBytes)})`;
  const operations = Object.entries(run.requests.byOperation)
    .map(([operation, count]) => `${operation} ${count.toLocaleString('en-US')}`)
    .join(', ');
  return [
    '## Stress: a small heap under sustained load',
    '',
    `\`npm run stress\` starts the real service — \`node --max-old-space-size=${p.heapLimitMiB} dist/src/cli/main.js serve\` with`,
    `\`--max-turn-bytes ${p.maxTurnBytes}\`, ${budget} — and drives it for ${formatDuration(p.durationSeconds)} with ${p.clients}`,
    'clients over loopback, each one request at a time on a keep-alive connection: new conversations and appends of',
    `long turns (60–100 % of maxTurnBytes, with 2-, 3- and 4-byte characters), pairs of turns, reads, small lists,`,
    'deletes, and turns one byte over the limit. It samples the service every second: RSS from `/proc/<pid>/status`,',
    'heap in use from its `/metrics` and content held from `/v1/stats` (both also read four times a second, for the heap trend and the byte check).',
    'The figures are **absolute**, from one run on the machine below; what matters is that the lines stay flat and',
    'under their limits.',
    '',
    `![Memory of turnstore serve over a stress run: RSS, heap in use and content held, with the heap limit and maxTotalBytes](${chartPath})`,
    '',
    `- Machine: ${run.machine.cpu}, ${run.machine.cores} cores, ${(run.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${run.machine.os}; load average ${run.machine.loadAverage.map((load) => load.toFixed(2)).join(', ')} at the start`,
    `- Node ${run.versions.node}; turnstore ${run.versions.turnstore}${commit}`,
    `- Date: ${run.date}`,
    '',
    markdownTable(
      ['check', 'result', 'figures'],
      run.checks.map((check) => [check.name, check.pass ? 'PASS' : 'FAIL', check.detail]),
    ),
    '',
    markdownTable(
      ['figure', 'value'],
      [
        [
          'requests',
          `${run.requests.total.toLocaleString('en-US')} (${Math.round(run.requests.perSecond).toLocaleString('en-US')}/s): ${operations}`,
        ],
        [
          'latency p50 / p99 / max',
          `${run.requests.latencyMs.p50.toFixed(1)} / ${run.requests.latencyMs.p99.toFixed(1)} / ${run.requests.latencyMs.max.toFixed(0)} ms`,
        ],
        ['RSS first / last / max', first && last ? `${mib(first.rssBytes)} / ${mib(last.rssBytes)} / ${mib(Math.max(...rss))}` : '—'],
        [
          'heap in use first / last / max',
          heap.length > 0 ? `${mib(heap[0]!)} / ${mib(heap[heap.length - 1]!)} / ${mib(Math.max(...heap))}` : '—',
        ],
        ['content held, max (cap)', `${mib(run.memory.maxContentBytes)} (${mib(p.maxTotalBytes)})`],
      ],
    ),
    '',
    `**Heap trend rule.** The first quarter of the run is warm-up, or longer if the store reaches 90 % of its byte budget only later`,
    `(until then it is still filling). Heap in use is read from /metrics every ${p.statsSeconds} s;`,
    'it saw-tooths by tens of MiB between garbage collections, so single readings (and medians of a few) are not',
    "compared. Its floor is: the 10th percentile of a quarter's readings, about what survives a collection. The run",
    `fails if the floor over the last quarter is more than ${Math.round(p.heapGrowthLimit.ratio * 100)} % *and* more than ${mib(p.heapGrowthLimit.bytes)} above the floor over the quarter`,
    `after warm-up, or if the warm-up took more than half the run (nothing left to judge); a run shorter than ${HEAP_JUDGED_FROM_SECONDS} s reports these figures unjudged (V8 may not have collected its old generation yet). Medians and the least-squares slope after warm-up are reported beside it, not judged. The run also fails if the service`,
    'exits before it is asked to, answers any 5xx, leaves a request unanswered, answers a status the request',
    'should not get, ever reports more content than maxTotalBytes, or does not exit 0 on SIGTERM.',
    '',
    `\`npm run stress\` (default 2 minutes; \`--minutes 0.5\` or \`--seconds 30\`) rewrites bench/results/stress.json,`,
    `docs/${chartPath} and this section (\`npm run bench:charts\` redraws both from the results without running); a 20-second run is part of \`npm test\` (test/stress/stress.test.ts).`,
  ].join('\n');
}
