/** The service benchmark's section of docs/benchmarks.md, and its tables for the terminal. */
import { markdownTable } from '../markdown-table.js';
import type { Workload } from './parameters.js';
import { cpuRatio, median, throughputRatio, type ServiceCheck, type ServiceResults } from './results.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const rate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US');
const LABELS: Record<Workload, string> = { get: 'get a conversation (8 turns × 2 KB)', append: 'append one turn (2 KB)' };

function formatCheck(check: ServiceCheck): [string, string] {
  const sign = check.comparison === '>=' ? '≥' : '≤';
  return check.unit === 'bytes'
    ? [mib(check.value), `${sign} ${mib(check.target)}`]
    : [`${check.value.toFixed(2)}×`, `${sign} ${check.target}×`];
}

/** The targets and how this run fared. */
export function checksTable(run: ServiceResults): string {
  return markdownTable(
    ['target', 'measured', 'target', 'result'],
    run.checks.map((check) => [check.label, ...formatCheck(check), check.pass ? 'PASS' : 'MISS']),
    ['l', 'r', 'l', 'l'],
  );
}

/** Throughput and latency under load, service against the bare route. */
export function throughputTable(run: ServiceResults): string {
  const rows = (Object.keys(run.workloads) as Workload[]).flatMap((workload) => {
    const figures = run.workloads[workload];
    const line = (server: 'service' | 'bare') => {
      const runs = figures[server];
      const sequential = figures.sequential[server];
      const cpu = runs.every((r) => r.serverCpuMicrosPerRequest !== undefined)
        ? median(runs.map((r) => r.serverCpuMicrosPerRequest!))
        : undefined;
      const ratio = cpuRatio(figures);
      return [
        server === 'service' ? LABELS[workload] : '',
        server === 'service' ? 'turnstore serve' : 'bare Fastify route',
        rate(median(runs.map((r) => r.requestsPerSecond))),
        server === 'service' ? `${throughputRatio(figures).toFixed(2)}×` : '1.00×',
        cpu === undefined ? '—' : `${cpu.toFixed(1)} µs`,
        server === 'service' ? (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`) : '1.00×',
        `${median(runs.map((r) => r.p50Ms))} / ${median(runs.map((r) => r.p99Ms))} ms`,
        `${Math.round(sequential.p50Us)} / ${Math.round(sequential.p99Us)} µs`,
        String(sequential.bodyBytes),
      ];
    };
    return [line('service'), line('bare')];
  });
  return markdownTable(
    [
      'workload',
      'server',
      'requests/s (median)',
      '÷ bare',
      'server CPU per request',
      'bare ÷ service CPU',
      'p50 / p99 under load',
      'p50 / p99 one by one',
      'body bytes',
    ],
    rows,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Resident memory of the service process. */
export function memoryTable(run: ServiceResults): string {
  const { memory, parameters: p } = run;
  const holding = `holding ${p.conversations} conversations × ${p.turnsEach} turns × ${p.contentLength / 1024} KB`;
  return markdownTable(
    ['process', 'RSS'],
    [
      ['for reference: a `node` process doing nothing', mib(memory.emptyNode)],
      [
        `idle, 1 s after start (median of ${memory.idleEach.length} processes: ${memory.idleEach.map(([first]) => (first / 2 ** 20).toFixed(1)).join(', ')})`,
        mib(memory.idleJustStarted),
      ],
      [
        `idle, ${p.settleSeconds} s later (median of ${memory.idleEach.length}: ${memory.idleEach.map(([, settled]) => (settled / 2 ** 20).toFixed(1)).join(', ')})`,
        mib(memory.idleSettled),
      ],
      [`${holding}, just filled`, mib(memory.holdingJustFilled)],
      [`${holding}, ${p.settleSeconds} s later`, mib(memory.holdingSettled)],
    ],
    ['l', 'r'],
  );
}

/** Where and with what the figures were measured, in one line each. */
export function machineLines(run: ServiceResults): string[] {
  const { machine, runtimes, versions } = run;
  const commit = versions.gitCommit
    ? ` (commit ${versions.gitCommit}${versions.srcModified ? ', with uncommitted changes in src/' : ''})`
    : '';
  return [
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${machine.os}`,
    `- Node ${runtimes.node}; fastify ${versions.fastify}; prom-client ${versions.promClient}; autocannon ${versions.autocannon}`,
    `- turnstore ${versions.turnstore}${commit}`,
    `- Date: ${run.date}`,
  ];
}

/** The whole section, as markdown (without the markers around it). */
export function renderServiceSection(run: ServiceResults): string {
  const p = run.parameters;
  return `## Service: \`turnstore serve\` against a bare Fastify route

All figures come from one run of \`npm run bench:service\` on one machine, servers and load generator
on the same loopback. Absolute rates depend on the machine; read the **ratios** to the bare route,
measured in the same run.

${machineLines(run).join('\n')}

### Targets

${checksTable(run)}

### Throughput and latency

${throughputTable(run)}

### Memory

${memoryTable(run)}

### How it was measured

- **Servers.** *turnstore serve*: the built CLI as \`npm start\` runs it (memory store, default
  limits, log level info, /metrics on), in its own process. *bare Fastify route*
  (\`bench/service/bare-server.ts\`): \`Fastify()\` with routes on the same paths and nothing else —
  GET returns a constant conversation object of the same size (serialized by Fastify's default
  \`JSON.stringify\`), POST parses the JSON body and answers \`201 {id, appended}\`. Both on Fastify
  and Node of the same install.
- **Data.** ${p.conversations} conversations filled with ${p.turnsEach} turns of ${p.contentLength} ASCII characters of chat-like text,
  each by one batch POST; the workloads go round-robin over them. *append* posts one turn of
  ${p.contentLength} characters; each conversation keeps its newest ${p.turnsEach}, so memory stays level.
- **Under load.** autocannon (in the benchmark's process) with ${p.connections} connections, no pipelining;
  per workload ${p.rounds} timed runs of ${p.durationSeconds} s on each server, alternating, each after a ${p.warmupSeconds} s warm-up run; the
  median run is reported. autocannon measures latency in whole milliseconds. *Server CPU per
  request*: user + system CPU time of the server process over the timed run (\`/proc/<pid>/stat\`)
  divided by the requests answered; on a machine where the load generator shares the cores and
  cannot saturate the server, requests/s of the two servers converge, and this is the figure that
  still tells them apart.
- **One by one.** ${p.sequentialRequests.toLocaleString('en-US')} requests on one keep-alive connection, each timed with
  \`performance.now()\` around a node:http request (client time included, the same for both servers).
- **Memory.** Resident set size of the service process (\`/proc/<pid>/status\`), which includes the
  Node binary's pages it touched (see the empty \`node\` process in the same table). Idle: ${p.idleProcesses} fresh service
  processes side by side, 1 s after their start line and again ${p.settleSeconds} s later, the median reported —
  V8 returns memory to the system only after some seconds without allocation (a service on a Pi
  is idle for far longer than that), and where it settles varies by a few MiB between processes.
  Holding: the measured process after filling, and ${p.settleSeconds} s later.
`;
}
