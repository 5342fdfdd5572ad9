/**
 * `npm run bench:llm`: the LLM-facing pieces of turnstore, in one run. Writes
 * bench/results/llm.json (figures, machine, versions), prints the tables, and regenerates the llm
 * section of docs/benchmarks.md. Progress goes to stderr. A part that fails is recorded as not
 * measured, with why, and the rest still runs.
 *
 * Parts:
 * 1. contextWindow against LangChain's trimMessages (bench/llm/context-window.ts).
 * 2. The latency the memory proxy adds over calling the upstream directly, p50 and p99, sequential
 *    and concurrent (bench/llm/proxy-latency.ts).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/seed/seed-location.js';
import { writeBenchmarksDoc } from '../report.js';
import { benchContextWindow } from './context-window.js';
import { benchProxyLatency } from './proxy-latency.js';
import { contextWindowTable, machineLines, proxyLatencyTable, targetsTable } from './report-section.js';
import type { LlmResults } from './results.js';
import { checkoutFacts, machineFacts, partRunner } from '../run-support.js';

const root = repoRoot();
const progress = (message: string): void => {
  process.stderr.write(`[bench:llm] ${message}\n`);
};

const measured = partRunner(progress);

const started = performance.now();
const loadAverage = loadavg();
const contextWindow = await measured('contextWindow vs trimMessages', () => benchContextWindow({ progress }));
const proxyLatency = await measured('proxy latency', () => benchProxyLatency({ progress }));

const run: LlmResults = {
  suite: 'llm',
  date: new Date().toISOString(),
  machine: { ...machineFacts(), loadAverage },
  versions: {
    ...checkoutFacts(),
    node: process.version,
  },
  contextWindow,
  proxyLatency,
};

const resultsPath = join(root, 'bench', 'results', 'llm.json');
writeFileSync(resultsPath, `${JSON.stringify(run, null, 2)}\n`);
const docPath = writeBenchmarksDoc(['llm']);
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${resultsPath} and ${docPath}`);

const tables =
  'error' in run.contextWindow ? `contextWindow not measured: ${run.contextWindow.error}` : contextWindowTable(run.contextWindow);
const proxyTable = 'error' in proxyLatency ? `proxy latency not measured: ${proxyLatency.error}` : proxyLatencyTable(proxyLatency);
process.stdout.write(`\n${machineLines(run).join('\n')}\n\n${targetsTable(run)}\n\n${tables}\n\n${proxyTable}\n`);
