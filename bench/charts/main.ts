/**
 * `npm run bench:charts`: draws the benchmark charts (docs/bench-*.svg, docs/stress.svg) from the
 * committed results in bench/results/ without measuring anything, and regenerates the charts and
 * stress sections of docs/benchmarks.md. A chart whose results file is missing is skipped, with a line saying so.
 *
 * Usage: node scripts/bench.mjs charts/main.js (npm run bench:charts)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../test/seed/seed-location.js';
import type { BackendsResults } from '../backends/results.js';
import type { CoreResults } from '../core/results.js';
import type { ServiceResults } from '../service/results.js';
import { stressChart, stressSection, type StressResults } from '../stress/stress-report.js';
import { backendsChart, coreHeapChart, coreScalingChart, serviceChart } from './bench-charts.js';
import { backendsCaption, heapCaption, scalingCaption, serviceCaption } from './captions.js';
import { upsertDocSection } from './doc-section.js';

/** One chart file: where it goes, what it shows, and how to draw it from the results present. */
interface ChartFile {
  readonly file: string;
  readonly alt: string;
  /** What the chart supports, for the docs: ratios of the same run, or absolute figures saying so. */
  readonly caption: (results: Record<string, unknown>) => string;
  readonly needs: readonly string[];
  readonly draw: (results: Record<string, unknown>) => string;
}

const CHARTS: readonly ChartFile[] = [
  {
    file: 'bench-core-scaling.svg',
    alt: 'New conversations per second at caps of 500, 50,000 and 1,000,000 conversations: turnstore, the seed, an lru-cache store and LangChain',
    caption: (results) => scalingCaption(results.core as CoreResults),
    needs: ['core'],
    draw: (results) => coreScalingChart(results.core as CoreResults),
  },
  {
    file: 'bench-core-heap.svg',
    alt: 'Bytes of memory per stored turn for turnstore, an lru-cache store, LangChain, the seed and bare strings',
    caption: (results) => heapCaption(results.core as CoreResults),
    needs: ['core'],
    draw: (results) => coreHeapChart(results.core as CoreResults),
  },
  {
    file: 'bench-backends.svg',
    alt: 'Append and get calls per second for the memory, SQLite, Redis and PostgreSQL stores and LangChain Redis and PostgreSQL histories',
    caption: (results) => backendsCaption(results.backends as BackendsResults),
    needs: ['backends'],
    draw: (results) => backendsChart(results.backends as BackendsResults, results.core as CoreResults | undefined),
  },
  {
    file: 'bench-service.svg',
    alt: 'Requests per second of turnstore serve against a bare Fastify route',
    caption: (results) => serviceCaption(results.service as ServiceResults),
    needs: ['service'],
    draw: (results) => serviceChart(results.service as ServiceResults),
  },
];

/** The results files present, parsed, by suite. */
export function readResults(root: string, suites: readonly string[]): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const suite of suites) {
    const path = join(root, 'bench', 'results', `${suite}.json`);
    if (existsSync(path)) results[suite] = JSON.parse(readFileSync(path, 'utf8'));
  }
  return results;
}

/** The charts that `results` (by suite) have the figures for. */
function drawable(results: Record<string, unknown>): ChartFile[] {
  return CHARTS.filter((chart) => chart.needs.every((suite) => results[suite] !== undefined));
}

/** The charts section of docs/benchmarks.md for the results given (by suite). */
export function renderChartsSection(results: Record<string, unknown>): string {
  return chartsSection(drawable(results), results);
}

function chartsSection(drawn: readonly ChartFile[], results: Record<string, unknown>): string {
  const lines = [
    '## Charts',
    '',
    'Drawn by `bench/charts/` (`npm run bench:charts`) from the committed results, without measuring. Each chart',
    'states the machine and that its figures come from one run; ratios on a chart compare figures of the same run.',
    '',
  ];
  for (const chart of drawn) lines.push(`![${chart.alt}](${chart.file})`, '', chart.caption(results), '');
  if (drawn.length < CHARTS.length) {
    const missing = CHARTS.filter((chart) => !drawn.includes(chart)).map(
      (chart) => `\`${chart.file}\` (needs bench/results/${chart.needs.join(', ')}.json)`,
    );
    lines.push(`Not drawn yet, for want of results: ${missing.join('; ')}.`, '');
  }
  return lines.join('\n');
}

/** Draws every chart whose results exist into docs/, and regenerates the charts section; returns the files written. */
export function writeCharts(root = repoRoot(), log: (line: string) => void = () => undefined): string[] {
  const results = readResults(root, ['core', 'backends', 'service']);
  const written: string[] = [];
  const drawn: ChartFile[] = [];
  for (const chart of CHARTS) {
    const missing = chart.needs.filter((suite) => results[suite] === undefined);
    if (missing.length > 0) {
      log(`skipped docs/${chart.file}: no bench/results/${missing.join(', ')}.json yet`);
      continue;
    }
    const path = join(root, 'docs', chart.file);
    writeFileSync(path, chart.draw(results));
    written.push(path);
    drawn.push(chart);
    log(`wrote docs/${chart.file}`);
  }
  upsertDocSection(join(root, 'docs', 'benchmarks.md'), 'charts', chartsSection(drawn, results), 'first');
  // The stress run's chart and section, redrawn from its results the same way.
  const stressPath = join(root, 'bench', 'results', 'stress.json');
  if (existsSync(stressPath)) {
    const stress = JSON.parse(readFileSync(stressPath, 'utf8')) as StressResults;
    writeFileSync(join(root, 'docs', 'stress.svg'), stressChart(stress));
    upsertDocSection(join(root, 'docs', 'benchmarks.md'), 'stress', stressSection(stress, 'stress.svg'), 'last');
    written.push(join(root, 'docs', 'stress.svg'));
    log('wrote docs/stress.svg and the stress section');
  } else {
    log('skipped docs/stress.svg: no bench/results/stress.json yet (npm run stress)');
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeCharts(repoRoot(), (line) => process.stderr.write(`[bench:charts] ${line}\n`));
}
