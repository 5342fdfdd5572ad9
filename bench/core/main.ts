/**
 * `npm run bench:core`: turnstore's MemoryStore against the Python seed, an lru-cache store and
 * LangChain's in-memory history, on the same workloads in one run. Writes
 * bench/results/core.json (figures, checks, machine, versions), prints the tables, and
 * regenerates the core section of docs/benchmarks.md. Progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, arch, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, repoRoot, seedDir, seedUnavailable } from '../../test/seed/seed-location.js';
import { packageVersion } from '../package-version.js';
import { writeBenchmarksDoc } from '../report.js';
import { CONTENT_ALPHABET, CORE_PARAMETERS, PREVIOUS_COMMIT, TURNSTORE_ONLY_WORKLOADS, workloads, type Workload } from './parameters.js';
import { buildPreviousMemoryStore } from './previous-build.js';
import { ceilingLine, checksTable, heapTable, machineLines, previousTable, ratesTable } from './report-section.js';
import { coreChecks, isHeapFigure, isRate, type CoreResults, type Outcome, type StoreName } from './results.js';
import { NODE_STORES, REFERENCE_STORES, type NodeStoreName } from './stores.js';
import { git } from '../run-support.js';

const root = repoRoot();

function progress(message: string): void {
  process.stderr.write(`[bench:core] ${message}\n`);
}

function describeOutcome(outcome: Outcome): string {
  if (isRate(outcome))
    return `${Math.round(outcome.opsPerSecond).toLocaleString('en-US')} ops/s (${outcome.ops.toLocaleString('en-US')} ops timed)`;
  if (isHeapFigure(outcome)) return `${outcome.bytesPerTurn.toFixed(1)} B per turn`;
  return `FAILED: ${outcome.error}`;
}

progress(`building the MemoryStore of commit ${PREVIOUS_COMMIT} to measure beside today's…`);
const previousBuild = buildPreviousMemoryStore(root, PREVIOUS_COMMIT);
if ('error' in previousBuild) progress(`turnstore-previous unavailable: ${previousBuild.error}`);

/** Runs one workload on one Node store in a fresh process. */
function runNodeStore(store: NodeStoreName | 'bare-strings' | 'turnstore-previous', workload: Workload): Outcome {
  if (store === 'turnstore-previous' && 'error' in previousBuild) return { error: previousBuild.error };
  const script = fileURLToPath(new URL('./run-node.js', import.meta.url));
  // The LangChain store at a 1,000,000 cap needs more than the default old space.
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', script, store, workload], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
    env: 'entry' in previousBuild ? { ...process.env, TURNSTORE_PREVIOUS_ENTRY: previousBuild.entry } : process.env,
  });
  if (child.status !== 0) return { error: `run-node exited with ${child.signal ?? `status ${child.status}`}` };
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Outcome;
}

/** Runs every workload on the seed in one python3 process; its Python version and results. */
function runSeed(names: readonly Workload[]): { python: string | null; results: Partial<Record<Workload, Outcome>> } {
  const child = spawnSync(PYTHON, [join(root, 'bench', 'core', 'seed_bench.py'), seedDir()], {
    cwd: root,
    encoding: 'utf8',
    input: JSON.stringify({ parameters: { ...CORE_PARAMETERS, contentAlphabet: CONTENT_ALPHABET }, workloads: names }),
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
  });
  if (child.status !== 0) {
    const error = `seed_bench.py exited with ${child.signal ?? `status ${child.status}`}`;
    return { python: null, results: Object.fromEntries(names.map((name) => [name, { error }])) };
  }
  return JSON.parse(child.stdout) as { python: string; results: Partial<Record<Workload, Outcome>> };
}

const started = performance.now();
const results: Partial<Record<StoreName, Partial<Record<Workload, Outcome>>>> = {};
const file = (store: StoreName, workload: Workload, outcome: Outcome) => {
  (results[store] ??= {})[workload] = outcome;
  progress(`${store} ${workload}: ${describeOutcome(outcome)}`);
};

const names = workloads(CORE_PARAMETERS);
/** The Node stores a workload runs on: the references only where they mean something. */
function nodeStoresFor(workload: Workload): Array<NodeStoreName | 'bare-strings' | 'turnstore-previous'> {
  const stores = Object.keys(NODE_STORES) as NodeStoreName[];
  if (TURNSTORE_ONLY_WORKLOADS.includes(workload)) return ['turnstore'];
  // The previous commit's store runs right after today's, so the pair sees the same machine load.
  const withPrevious = ['turnstore', 'turnstore-previous', ...stores.filter((store) => store !== 'turnstore')] as const;
  if (workload === 'heap') return [...withPrevious, 'bare-strings'];
  if (workload === 'append' || workload === 'get') return [...withPrevious, ...(Object.keys(REFERENCE_STORES) as NodeStoreName[])];
  return stores;
}

for (const workload of [...names, ...TURNSTORE_ONLY_WORKLOADS]) {
  for (const store of nodeStoresFor(workload)) {
    progress(`${store} ${workload}…`);
    file(store, workload, runNodeStore(store, workload));
  }
}

const unavailable = seedUnavailable();
let python: string | null = null;
if (unavailable) {
  progress(`seed skipped: ${unavailable}`);
} else {
  progress(`seed: all workloads in one ${PYTHON} process…`);
  const seed = runSeed(names);
  python = seed.python;
  for (const workload of names) file('seed', workload, seed.results[workload] ?? { error: 'no result' });
}

const cpuList = cpus();
const run: CoreResults = {
  suite: 'core',
  date: new Date().toISOString(),
  machine: {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
  },
  runtimes: { node: process.version, python },
  versions: {
    turnstore: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    gitCommit: git('rev-parse', '--short', 'HEAD'),
    srcModified: (git('status', '--porcelain', '--', 'src') ?? '') !== '',
    lruCache: packageVersion('lru-cache'),
    langchainCore: packageVersion('@langchain/core'),
    previousCommit: PREVIOUS_COMMIT,
  },
  parameters: CORE_PARAMETERS,
  results,
  ...(unavailable ? { seedUnavailable: unavailable } : {}),
  checks: coreChecks(results, CORE_PARAMETERS),
};

const resultsPath = join(root, 'bench', 'results', 'core.json');
writeFileSync(resultsPath, `${JSON.stringify(run, null, 2)}\n`);
const docPath = writeBenchmarksDoc(['core']);
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${resultsPath} and ${docPath}`);

process.stdout.write(
  `\n${machineLines(run).join('\n')}\n\n${checksTable(run)}\n\n${ratesTable(run)}\n\n${ceilingLine(run)}\n\n${previousTable(run)}\n\n${heapTable(run)}\n`,
);
