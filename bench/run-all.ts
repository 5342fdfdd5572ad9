/**
 * `npm run bench`: every benchmark suite present, one after another, then the report and the charts.
 *
 * A suite is present when package.json has its `bench:<suite>` script and the build has its
 * bench/<suite>/main.js compiled beside this file. Each suite runs as its script says (the project is built once, up
 * front, so a script's leading `npm run build --silent &&` is skipped), writes its own
 * bench/results/<suite>.json and section, and its output passes through. A suite that fails is
 * reported and the others still run; the exit code is then 1. Finally docs/benchmarks.md is
 * regenerated from every results file and the charts are redrawn.
 *
 * Each results file a run writes also gets a `benchRun` field: when and for how long the suite ran,
 * and the load average before and after — a noisy neighbour shows there.
 *
 * Usage: node scripts/bench.mjs run-all.js [--only core,llm] [--skip backends]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/seed/seed-location.js';
import { writeCharts } from './charts/main.js';
import { writeBenchmarksDoc } from './report.js';

/** The suites, in the order they run (and appear in the report). */
export const SUITES = ['core', 'backends', 'service', 'llm'] as const;

const BUILD_PREFIX = /^npm run build(?: --silent)? && /;

/** How one suite is run: its script's command, without the build step `npm run bench` did once. */
export function suiteCommand(script: string): string {
  return script.replace(BUILD_PREFIX, '');
}

/** What `npm run bench` records about a suite's run in its results file. */
export interface BenchRunStamp {
  readonly startedAt: string;
  readonly seconds: number;
  readonly command: string;
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
}

/** The outcome of one suite. */
interface SuiteOutcome {
  readonly suite: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly detail: string;
}

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const round = (values: readonly number[]) => values.map((value) => Math.round(value * 100) / 100);

function runShell(command: string, cwd: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(command, { cwd, shell: true, stdio: 'inherit' });
    // Ctrl-C reaches the suite from the terminal (same process group); a SIGTERM sent to this
    // process alone is passed on, so no suite (or server it started) is left running.
    const forward = () => child.kill('SIGTERM');
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', forward);
      resolve({ code, signal });
    });
  });
}

/** Adds `benchRun` to a results file the suite just wrote; leaves everything else as it was. */
function stampResults(path: string, stamp: BenchRunStamp): void {
  const results = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...results, benchRun: stamp }, null, 2)}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`Usage: npm run bench [-- --only ${SUITES.join(',')}] [-- --skip SUITE,…]\n`);
    return 0;
  }
  const list = (text: string | undefined) =>
    text === undefined
      ? undefined
      : text
          .split(',')
          .map((suite) => suite.trim())
          .filter(Boolean);
  const only = list(values.only);
  const skip = list(values.skip) ?? [];
  for (const suite of [...(only ?? []), ...skip]) {
    if (!(SUITES as readonly string[]).includes(suite)) {
      process.stderr.write(`bench: unknown suite ${JSON.stringify(suite)}; known: ${SUITES.join(', ')}\n`);
      return 2;
    }
  }

  const root = repoRoot();
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const chosen = SUITES.filter((suite) => (only === undefined || only.includes(suite)) && !skip.includes(suite));
  const outcomes: SuiteOutcome[] = [];
  let interrupted = false;
  const onInterrupt = () => (interrupted = true);
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const started = performance.now();

  for (const [index, suite] of chosen.entries()) {
    const step = `${index + 1}/${chosen.length} ${suite}`;
    const script = scripts[`bench:${suite}`];
    if (script === undefined || !existsSync(new URL(`./${suite}/main.js`, import.meta.url))) {
      progress(`${step}: not present (no bench:${suite} script or no bench/${suite}/main.ts), skipped`);
      outcomes.push({ suite, status: 'skipped', detail: 'not present' });
      continue;
    }
    if (interrupted) {
      outcomes.push({ suite, status: 'skipped', detail: 'interrupted' });
      continue;
    }
    const command = suiteCommand(script);
    const resultsPath = join(root, 'bench', 'results', `${suite}.json`);
    const before = existsSync(resultsPath) ? statSync(resultsPath).mtimeMs : undefined;
    const loadAverageBefore = round(loadavg());
    const startedAt = new Date().toISOString();
    const suiteStarted = performance.now();
    progress(`${step}: ${command} (load average ${loadAverageBefore.join(', ')})`);
    const { code, signal } = await runShell(command, root);
    const seconds = Math.round((performance.now() - suiteStarted) / 100) / 10;
    const wrote = existsSync(resultsPath) && statSync(resultsPath).mtimeMs !== before;
    if (code === 0 && wrote) {
      stampResults(resultsPath, { startedAt, seconds, command, loadAverageBefore, loadAverageAfter: round(loadavg()) });
      progress(`${step}: done in ${seconds} s; wrote bench/results/${suite}.json`);
      outcomes.push({ suite, status: 'passed', detail: `${seconds} s` });
    } else {
      const why =
        code !== 0 ? (signal ? `killed by ${signal}` : `exit code ${code}`) : `exit code 0 but bench/results/${suite}.json was not written`;
      progress(`${step}: FAILED after ${seconds} s (${why}); going on with the others`);
      outcomes.push({ suite, status: 'failed', detail: why });
    }
  }

  progress('regenerating docs/benchmarks.md from bench/results/*.json');
  writeBenchmarksDoc();
  progress('drawing the charts');
  writeCharts(root, (line) => progress(`  ${line}`));

  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  progress(
    `finished in ${Math.round((performance.now() - started) / 1000)} s: ${outcomes.map((outcome) => `${outcome.suite} ${outcome.status}${outcome.status === 'passed' ? '' : ` (${outcome.detail})`}`).join('; ')}`,
  );
  if (failed.length > 0) {
    process.stderr.write(
      `bench: ${failed.length} suite${failed.length > 1 ? 's' : ''} failed: ${failed.map((outcome) => `${outcome.suite} (${outcome.detail})`).join(', ')}. Their results files and sections are the previous ones.\n`,
    );
    return 1;
  }
  return interrupted ? 130 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
