/**
 * `npm run bench:service`: the HTTP service (\`turnstore serve\`, memory store) against a bare
 * Fastify route answering same-sized JSON, in one run: requests per second and latencies under
 * autocannon load, latencies one by one, and the service's resident memory idle and holding 500
 * conversations × 8 turns × 2 KB. Writes bench/results/service.json, prints the tables and
 * regenerates the service section of docs/benchmarks.md. Progress goes to stderr.
 */
import { writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Result } from 'autocannon';
import { repoRoot } from '../../test/seed/seed-location.js';
import { packageVersion } from '../package-version.js';
import { writeBenchmarksDoc } from '../report.js';
import { fill, hammer, sequentialLatencies } from './load.js';
import { SERVICE_PARAMETERS as parameters, type Workload } from './parameters.js';
import { cpuMicros, residentBytes, startBareServer, startEmptyNode, startService, type ServerProcess } from './processes.js';
import { checksTable, machineLines, memoryTable, throughputTable } from './report-section.js';
import { median, serviceChecks, type LoadRun, type MemoryFigures, type ServiceResults, type WorkloadFigures } from './results.js';
import { checkoutFacts, machineFacts } from '../run-support.js';

const root = repoRoot();
const progress = (message: string) => process.stderr.write(`[bench:service] ${message}\n`);

function loadRun(result: Result, cpuUsed: number | undefined): LoadRun {
  const answered = result['2xx'] + result.non2xx;
  return {
    requestsPerSecond: answered / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    bytesPerResponse: answered > 0 ? result.throughput.total / answered : 0,
    ...(cpuUsed === undefined || answered === 0 ? {} : { serverCpuMicrosPerRequest: cpuUsed / answered }),
  };
}

async function measureMemory(service: ServerProcess): Promise<MemoryFigures> {
  // Fresh processes beside the measured one, all idle from their start line on.
  const others = await Promise.all(Array.from({ length: parameters.idleProcesses - 1 }, () => startService(root)));
  const emptyNode = await startEmptyNode();
  const idle = [service, ...others];
  try {
    await sleep(1000);
    const justStarted = idle.map((server) => residentBytes(server.pid));
    progress(
      `idle RSS 1 s after start: ${justStarted.map((bytes) => (bytes / 2 ** 20).toFixed(1)).join(', ')} MiB; waiting ${parameters.settleSeconds} s…`,
    );
    await sleep(parameters.settleSeconds * 1000);
    const settled = idle.map((server) => residentBytes(server.pid));
    const emptyNodeBytes = residentBytes(emptyNode.pid);
    progress(
      `idle RSS settled: ${settled.map((bytes) => (bytes / 2 ** 20).toFixed(1)).join(', ')} MiB; filling ${parameters.conversations} conversations…`,
    );
    await fill(service.url, parameters);
    const holdingJustFilled = residentBytes(service.pid);
    await sleep(parameters.settleSeconds * 1000);
    const holdingSettled = residentBytes(service.pid);
    progress(`holding: ${(holdingJustFilled / 2 ** 20).toFixed(1)} MiB just filled, ${(holdingSettled / 2 ** 20).toFixed(1)} MiB settled`);
    return {
      idleJustStarted: median(justStarted),
      idleSettled: median(settled),
      emptyNode: emptyNodeBytes,
      idleEach: justStarted.map((bytes, i): [number, number] => [bytes, settled[i]!]),
      holdingJustFilled,
      holdingSettled,
    };
  } finally {
    await Promise.all([...others, emptyNode].map((server) => server.stop()));
  }
}

async function measureWorkload(workload: Workload, service: ServerProcess, bare: ServerProcess): Promise<WorkloadFigures> {
  const runs: { service: LoadRun[]; bare: LoadRun[] } = { service: [], bare: [] };
  for (let round = 0; round < parameters.rounds; round++) {
    for (const [name, server] of [
      ['bare', bare],
      ['service', service],
    ] as const) {
      await hammer(server.url, workload, parameters, parameters.warmupSeconds);
      const cpuBefore = cpuMicros(server.pid);
      const result = await hammer(server.url, workload, parameters, parameters.durationSeconds);
      const cpuAfter = cpuMicros(server.pid);
      const run = loadRun(result, cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore);
      if (run.errors > 0 || run.non2xx > 0) throw new Error(`${name} ${workload}: ${run.errors} errors, ${run.non2xx} non-2xx answers`);
      runs[name].push(run);
      progress(
        `${workload} round ${round + 1} ${name}: ${Math.round(run.requestsPerSecond)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, server CPU ${run.serverCpuMicrosPerRequest?.toFixed(1) ?? '?'} µs/request`,
      );
    }
  }
  const sequential = {
    bare: await sequentialLatencies(bare.url, workload, parameters),
    service: await sequentialLatencies(service.url, workload, parameters),
  };
  progress(`${workload} one by one: service p50 ${Math.round(sequential.service.p50)} µs, bare p50 ${Math.round(sequential.bare.p50)} µs`);
  return {
    ...runs,
    sequential: {
      service: { p50Us: sequential.service.p50, p99Us: sequential.service.p99, bodyBytes: sequential.service.bytes },
      bare: { p50Us: sequential.bare.p50, p99Us: sequential.bare.p99, bodyBytes: sequential.bare.bytes },
    },
  };
}

const started = performance.now();
const service = await startService(root);
const bare = await startBareServer(parameters.turnsEach, parameters.contentLength);
let results: ServiceResults;
try {
  progress(`service at ${service.url} (pid ${service.pid}), bare route at ${bare.url}`);
  const memory = await measureMemory(service);
  const workloads = { get: await measureWorkload('get', service, bare), append: await measureWorkload('append', service, bare) };
  results = {
    suite: 'service',
    date: new Date().toISOString(),
    machine: machineFacts(),
    runtimes: { node: process.version },
    versions: {
      ...checkoutFacts(),
      fastify: packageVersion('fastify'),
      promClient: packageVersion('prom-client'),
      autocannon: packageVersion('autocannon'),
    },
    parameters,
    workloads,
    memory,
    checks: serviceChecks(workloads, memory),
  };
} finally {
  await service.stop();
  await bare.stop();
}

const resultsPath = join(root, 'bench', 'results', 'service.json');
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
const docPath = writeBenchmarksDoc(['service']);
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${resultsPath} and ${docPath}`);
process.stdout.write(
  `\n${machineLines(results).join('\n')}\n\n${checksTable(results)}\n\n${throughputTable(results)}\n\n${memoryTable(results)}\n`,
);
