/**
 * `npm run stress`: the small-device proof. Starts `turnstore serve` with a small heap and a
 * 16 MiB byte budget, drives it with concurrent clients for a set time while sampling its memory,
 * then writes bench/results/stress.json, docs/stress.svg and the stress section of
 * docs/benchmarks.md (or, with --out DIR, only the two files, in DIR). Exits 1 if any check
 * fails, 2 on a bad command line, 130 when interrupted. The service is stopped on every path.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../test/seed/seed-location.js';
import { upsertDocSection } from '../charts/doc-section.js';
import { runLoad } from './load.js';
import { parseStressArgs, STRESS_USAGE, StressUsageError, type StressCommand } from './parameters.js';
import { heapUsedBytes, readStats, residentBytes, startStressService, stopService, type StressService } from './service-process.js';
import { stressChart, stressSection, type StressResults } from './stress-report.js';
import { median, stressChecks, type HeapReading, type MemorySample } from './verdict.js';

const progress = (message: string) => process.stderr.write(`[stress] ${message}\n`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function git(root: string, ...args: string[]): string | null {
  const child = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return child.status === 0 ? child.stdout.trim() : null;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/** Runs the stress test as `command` says; returns the results (already written). */
async function stress(command: StressCommand, root: string, interrupted: AbortSignal): Promise<StressResults> {
  const p = command.parameters;
  const loadAverage = loadavg();
  const service: StressService = await startStressService(root, p);
  let diedEarly: string | undefined;
  let stopping = false;
  const stopLoad = new AbortController();
  void service.exited.then(({ code, signal }) => {
    if (stopping) return;
    diedEarly = `the service exited during the run (code ${code}, signal ${signal})${service.stderrTail() ? `: ${service.stderrTail()}` : ''}`;
    stopLoad.abort();
  });
  interrupted.addEventListener('abort', () => stopLoad.abort(), { once: true });

  const samples: MemorySample[] = [];
  const heapReadings: HeapReading[] = [];
  let maxContentBytes = 0;
  let statsReads = 0;
  let stopped: { code: number | null; signal: string | null; timedOut: boolean };
  let tally;
  let elapsedSeconds: number;
  try {
    progress(
      `service at ${service.url} (pid ${service.pid}; ${service.budgetMode === 'flag' ? `--max-total-bytes ${p.maxTotalBytes}` : `no --max-total-bytes in this build: --max-conversations ${service.maxConversations} bounds content to ${mib(service.maxConversations * p.maxTurns * p.maxTurnBytes)}`}); ${p.clients} clients for ${p.durationSeconds} s`,
    );
    const samplerAgent = new Agent({ keepAlive: true, maxSockets: 2 });
    const started = performance.now();
    const deadline = started + p.durationSeconds * 1000;
    const seconds = () => (performance.now() - started) / 1000;
    const running = () => performance.now() < deadline && !stopLoad.signal.aborted;

    // The byte check and the heap trend read more often than memory is sampled: a cap overrun is
    // brief, and the heap's floor shows only between collections.
    const statsLoop = (async () => {
      while (running()) {
        const t = seconds();
        const [heap, stats] = await Promise.all([heapUsedBytes(samplerAgent, service.url), readStats(samplerAgent, service.url)]);
        if (heap !== null) heapReadings.push([Math.round(t * 100) / 100, heap]);
        if (stats) {
          statsReads++;
          maxContentBytes = Math.max(maxContentBytes, stats.bytes);
        }
        await sleep(p.statsSeconds * 1000);
      }
    })();
    const sampleLoop = (async () => {
      let next = started;
      let lastReport = 0;
      while (running()) {
        const t = seconds();
        const rssBytes = residentBytes(service.pid);
        if (rssBytes === undefined) break;
        const [heap, stats] = await Promise.all([heapUsedBytes(samplerAgent, service.url), readStats(samplerAgent, service.url)]);
        if (stats) {
          statsReads++;
          maxContentBytes = Math.max(maxContentBytes, stats.bytes);
        }
        samples.push({
          t: Math.round(t * 100) / 100,
          rssBytes,
          heapUsedBytes: heap,
          contentBytes: stats?.bytes ?? null,
          conversations: stats?.conversations ?? null,
        });
        if (t - lastReport >= 10 || samples.length === 1) {
          lastReport = t;
          progress(
            `${Math.round(t)} s: RSS ${mib(rssBytes)}, heap ${heap === null ? '?' : mib(heap)}, content ${stats ? `${mib(stats.bytes)} in ${stats.conversations} conversations` : '?'}`,
          );
        }
        next += p.sampleSeconds * 1000;
        await sleep(Math.max(0, next - performance.now()));
      }
    })();
    tally = await runLoad({
      url: service.url,
      clients: p.clients,
      deadline,
      maxTurnBytes: p.maxTurnBytes,
      seed: 20261124,
      signal: stopLoad.signal,
    });
    elapsedSeconds = seconds();
    await Promise.all([statsLoop, sampleLoop]);
    samplerAgent.destroy();
  } finally {
    stopping = diedEarly === undefined;
    stopped = await stopService(service);
  }
  if (interrupted.aborted) throw new Error('interrupted');

  const latencies = [...tally.latenciesMs].sort((a, b) => a - b);
  const facts = {
    parameters: p,
    samples,
    heapReadings,
    maxContentBytes,
    statsReads,
    requests: tally.requests,
    requestsByOperation: tally.byOperation,
    serverErrors: tally.serverErrors,
    unexpectedStatuses: tally.unexpectedStatuses,
    failedRequests: tally.failedRequests,
    diedEarly,
    stopped,
  };
  const checks = stressChecks(facts);
  const cpuList = cpus();
  return {
    suite: 'stress',
    date: new Date().toISOString(),
    machine: {
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
      cores: cpuList.length,
      memoryBytes: totalmem(),
      os: `${platform()} ${release()} ${arch()}`,
      loadAverage,
    },
    versions: {
      turnstore: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
      gitCommit: git(root, 'rev-parse', '--short', 'HEAD'),
      srcModified: (git(root, 'status', '--porcelain', '--', 'src') ?? '') !== '',
      node: process.version,
    },
    parameters: p,
    service: {
      args: service.args.map((arg) => (arg.startsWith(root) ? relative(root, arg) : arg)),
      budgetMode: service.budgetMode,
      maxConversations: service.maxConversations,
    },
    requests: {
      total: tally.requests,
      perSecond: tally.requests / elapsedSeconds,
      byOperation: tally.byOperation,
      statuses: tally.statuses,
      serverErrors: tally.serverErrors,
      unexpectedStatuses: tally.unexpectedStatuses,
      failedRequests: tally.failedRequests,
      problems: tally.problems,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? NaN },
    },
    memory: { samples, heapReadings, maxContentBytes, statsReads },
    checks,
    pass: checks.every((check) => check.pass),
  };
}

async function main(): Promise<number> {
  let command: StressCommand | undefined;
  try {
    command = parseStressArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof StressUsageError)) throw error;
    process.stderr.write(`stress: ${error.message}\n\n${STRESS_USAGE}`);
    return 2;
  }
  if (command === undefined) {
    process.stdout.write(STRESS_USAGE);
    return 0;
  }
  const root = repoRoot();
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping the clients and the service`);
    interrupt.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let results: StressResults;
  try {
    results = await stress(command, root, interrupt.signal);
  } catch (error) {
    if (interrupt.signal.aborted) {
      progress('interrupted; nothing written');
      return 130;
    }
    throw error;
  }
  const outDir = command.outDir;
  const resultsPath = outDir ? join(outDir, 'stress.json') : join(root, 'bench', 'results', 'stress.json');
  const chartPath = outDir ? join(outDir, 'stress.svg') : join(root, 'docs', 'stress.svg');
  if (outDir) mkdirSync(outDir, { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(chartPath, stressChart(results));
  if (!outDir) upsertDocSection(join(root, 'docs', 'benchmarks.md'), 'stress', stressSection(results, 'stress.svg'), 'last');
  progress(
    `wrote ${relative(root, resultsPath) || resultsPath}, ${relative(root, chartPath) || chartPath}${outDir ? '' : ' and the stress section of docs/benchmarks.md'}`,
  );

  const heap = results.memory.heapReadings.map(([, bytes]) => bytes);
  const rss = results.memory.samples.map((sample) => sample.rssBytes);
  process.stdout.write(
    [
      '',
      `requests: ${results.requests.total.toLocaleString('en-US')} (${Math.round(results.requests.perSecond)}/s), statuses ${JSON.stringify(results.requests.statuses)}`,
      `RSS: first ${mib(rss[0] ?? NaN)}, last ${mib(rss[rss.length - 1] ?? NaN)}, median ${mib(median(rss))}, max ${mib(Math.max(...rss))}`,
      `heap in use: first ${mib(heap[0] ?? NaN)}, last ${mib(heap[heap.length - 1] ?? NaN)}, min ${mib(Math.min(...heap))}, max ${mib(Math.max(...heap))}`,
      `content held: max ${mib(results.memory.maxContentBytes)} of ${mib(results.parameters.maxTotalBytes)} (${results.memory.statsReads} reads)`,
      '',
      ...results.checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`),
      ...(results.requests.problems.length > 0
        ? ['', 'first problems:', ...results.requests.problems.map((problem) => `  ${problem}`)]
        : []),
      '',
      results.pass ? 'stress: PASSED' : 'stress: FAILED',
      '',
    ].join('\n'),
  );
  return results.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stress: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
