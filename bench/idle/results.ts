/** The idle benchmark's parameters, the shape of bench/results/idle.json, and its report. */
import { markdownTable } from '../markdown-table.js';

export const IDLE_PARAMETERS = {
  /** Fresh processes of each kind, alternated; the median of each kind is compared. */
  rounds: 3,
  /** Milliseconds between a server's "listening" and its measurement. */
  settleMs: 500,
  /** The service's median RSS ÷ bare Fastify's median RSS, at most. */
  targetRatio: 1.1,
} as const;

/** One process, measured idle after a full garbage collection. */
export interface IdleSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** CommonJS modules loaded (fastify, ajv, prom-client and their dependencies are CommonJS). */
  readonly commonJsModules: number;
}

export interface IdleResults {
  readonly suite: 'idle';
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryBytes: number; readonly os: string };
  readonly runtimes: { readonly node: string };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    readonly srcModified: boolean;
    readonly fastify: string;
    readonly promClient: string;
  };
  readonly parameters: typeof IDLE_PARAMETERS;
  readonly samples: { readonly bare: IdleSample[]; readonly service: IdleSample[] };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The service's median RSS ÷ bare Fastify's, and whether it meets the target. */
export function idleRatio(run: IdleResults): { ratio: number; pass: boolean } {
  const ratio = median(run.samples.service.map((s) => s.rssBytes)) / median(run.samples.bare.map((s) => s.rssBytes));
  return { ratio, pass: ratio <= run.parameters.targetRatio };
}

/** The figures and the verdict, as a markdown table. */
export function idleTable(run: IdleResults): string {
  const { ratio, pass } = idleRatio(run);
  const row = (label: string, samples: readonly IdleSample[], ratioCell: string) => [
    label,
    mib(median(samples.map((s) => s.rssBytes))),
    samples.map((s) => (s.rssBytes / 2 ** 20).toFixed(1)).join(', '),
    mib(median(samples.map((s) => s.heapUsedBytes))),
    String(median(samples.map((s) => s.commonJsModules))),
    ratioCell,
  ];
  return markdownTable(
    ['process', 'RSS (median)', 'each, MiB', 'heap used', 'CommonJS modules', 'RSS ÷ bare'],
    [
      row('bare Fastify, one route', run.samples.bare, '1.00×'),
      row(
        '`createServer` on a MemoryStore, default options',
        run.samples.service,
        `${ratio.toFixed(2)}× (target ≤ ${run.parameters.targetRatio}×: ${pass ? 'PASS' : 'MISS'})`,
      ),
    ],
    ['l', 'r', 'r', 'r', 'r', 'l'],
  );
}

/** The section of docs/benchmarks.md, as markdown (without the markers around it). */
export function idleSection(run: IdleResults): string {
  const { machine, runtimes, versions } = run;
  const commit = versions.gitCommit
    ? ` (commit ${versions.gitCommit}${versions.srcModified ? ', with uncommitted changes in src/' : ''})`
    : '';
  return `## Idle service: \`createServer\` against bare Fastify

From one run of \`npm run bench:idle\`. What a service costs before its first request: on a
Raspberry Pi it is idle most of its life.

- Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${machine.os}
- Node ${runtimes.node}; fastify ${versions.fastify}; prom-client ${versions.promClient}
- turnstore ${versions.turnstore}${commit}
- Date: ${run.date}

${idleTable(run)}

**How it was measured.** ${run.parameters.rounds} fresh processes of each kind, started one at a time and alternated
(bare, service, bare, …), each listening on loopback. ${run.parameters.settleMs} ms after it listens, the process runs a
full garbage collection four times (\`node --expose-gc\`, asked over IPC) and reports its resident set
size (\`process.memoryUsage()\`), heap in use and the number of CommonJS modules it loaded; the median of
each kind is compared. *bare Fastify*: \`Fastify({ logger: false })\` with one GET route
(\`bench/idle/idle-server.ts\`). *createServer*: \`createServer({ store: new MemoryStore() })\` —
log level info, /metrics on, no token, no proxy — the way an application embeds the service.
`;
}
