/**
 * The chart writer, the report's charts drawn from the committed results, the stress run's rules
 * and argument parsing, the generated doc sections and `npm run bench`'s command for a suite.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BackendsResults } from '../../bench/backends/results.js';
import { backendsChart, coreHeapChart, coreScalingChart, serviceChart } from '../../bench/charts/bench-charts.js';
import { spliceDocSection } from '../../bench/charts/doc-section.js';
import { escapeXml, formatNumber, linearTicks, logTicks, renderBarChart, renderLineChart } from '../../bench/charts/svg.js';
import type { CoreResults } from '../../bench/core/results.js';
import { suiteCommand } from '../../bench/run-all.js';
import type { ServiceResults } from '../../bench/service/results.js';
import { parseStressArgs, STRESS_DEFAULTS, StressUsageError } from '../../bench/stress/parameters.js';
import { heapTrend, stressChecks, type HeapReading, type RunFacts } from '../../bench/stress/verdict.js';
import { repoRoot } from '../seed/seed-location.js';

/** Open and close tags balance, and every text is inside <text>: a cheap well-formedness check. */
function assertWellFormed(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
  assert.match(svg, /<rect width="\d+" height="\d+" fill="#ffffff"\/>/, 'an opaque background, for dark mode');
  const opened = svg.match(/<(text|svg|title|rect)[\s>]/g)?.length ?? 0;
  const closed = (svg.match(/<\/(text|svg|title|rect)>/g)?.length ?? 0) + (svg.match(/<rect [^>]*\/>/g)?.length ?? 0);
  assert.equal(opened, closed);
  assert.doesNotMatch(svg.replace(/<[^>]*>/g, ''), /[<>]/);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
}

const resultsFile = (suite: string) => join(repoRoot(), 'bench', 'results', `${suite}.json`);
const readResults = <T>(suite: string): T | undefined =>
  existsSync(resultsFile(suite)) ? (JSON.parse(readFileSync(resultsFile(suite), 'utf8')) as T) : undefined;

describe('SVG chart writer', () => {
  it('writes nice ticks on linear and log axes, and compact numbers', () => {
    assert.deepEqual(linearTicks(0, 130), [0, 25, 50, 75, 100, 125]);
    assert.deepEqual(logTicks(10, 1e7), [10, 100, 1e3, 1e4, 1e5, 1e6, 1e7]);
    assert.deepEqual(logTicks(100, 1000), [100, 200, 500, 1000]);
    assert.equal(formatNumber(4_092_907), '4.09 M');
    assert.equal(formatNumber(8146), '8.15 k');
    assert.equal(formatNumber(10.86), '10.9');
    assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('draws a line chart with a log axis, a legend, references and text as <text>', () => {
    const svg = renderLineChart({
      title: 'Title <with> & markup',
      subtitle: ['one run', 'on a machine'],
      x: { label: 'x', log: true },
      y: { label: 'y', log: true },
      series: [
        {
          name: 'a',
          points: [
            [500, 10],
            [50_000, 1000],
          ],
          labelLast: true,
        },
        {
          name: 'b',
          points: [
            [500, 0],
            [50_000, 5],
          ],
        },
      ],
      references: [{ y: 100, label: 'cap' }],
      markers: [{ x: 1000, label: 'warm-up' }],
      notes: ['a note'],
    });
    assertWellFormed(svg);
    for (const text of [
      'Title &lt;with&gt; &amp; markup',
      'one run',
      'on a machine',
      '>a<',
      '>b<',
      '>cap<',
      '>warm-up<',
      '>a note<',
      '>1 k<',
    ])
      assert.ok(svg.includes(text), text);
  });

  it('draws a bar chart; a missing value says so instead of drawing nothing', () => {
    const svg = renderBarChart({
      title: 't',
      categories: ['one', 'two'],
      series: [
        { name: 's', values: [3, null] },
        { name: 'u', values: [1, 2] },
      ],
      value: { label: 'v' },
    });
    assertWellFormed(svg);
    assert.ok(svg.includes('s: not measured'));
  });
});

describe('the report charts, from the committed results', () => {
  const core = readResults<CoreResults>('core');
  const backends = readResults<BackendsResults>('backends');
  const service = readResults<ServiceResults>('service');

  it(
    'core: scaling (log–log, every store, ratios of the same run) and heap per turn',
    { skip: core ? false : 'no bench/results/core.json' },
    () => {
      const scaling = coreScalingChart(core!);
      assertWellFormed(scaling);
      for (const text of [
        'turnstore MemoryStore',
        'seed (Python memory.py)',
        'store on lru-cache',
        'LangChain',
        'One run of npm run bench:core on',
        core!.machine.cpu,
        'the seed',
      ])
        assert.ok(scaling.includes(escapeXml(text)), text);
      const heap = coreHeapChart(core!);
      assertWellFormed(heap);
      assert.match(heap, /× bare strings/);
    },
  );

  it(
    'backends and service: absolute figures say so, with the machine',
    { skip: backends || service ? false : 'no backends or service results' },
    () => {
      if (backends) {
        const svg = backendsChart(backends, core);
        assertWellFormed(svg);
        assert.ok(svg.includes('Absolute calls per second') && svg.includes(backends.machine.cpu));
      }
      if (service) {
        const svg = serviceChart(service);
        assertWellFormed(svg);
        assert.ok(svg.includes('bare Fastify route') && svg.includes('× bare)'));
      }
    },
  );
});

describe('stress run rules', () => {
  const sawTooth = (floor: number, leakPerSecond: number): HeapReading[] =>
    Array.from({ length: 480 }, (_, index) => {
      const t = index / 4;
      return [t, floor + leakPerSecond * t + ((index % 12) / 12) * 30 * 2 ** 20] as const;
    });

  it('a saw-tooth heap is flat; the same saw-tooth over a rising floor is a leak', () => {
    const flat = heapTrend(sawTooth(20 * 2 ** 20, 0), 120);
    assert.equal(flat.warmupSeconds, 30);
    assert.ok(Math.abs(flat.growth) < 0.05, String(flat.growth));
    const leaking = heapTrend(sawTooth(20 * 2 ** 20, 200 * 1024), 120);
    assert.ok(leaking.growth > 0.25 && leaking.lastQuarterFloor - leaking.secondQuarterFloor > 8 * 2 ** 20, JSON.stringify(leaking));
  });

  const facts = (overrides: Partial<RunFacts>): RunFacts => ({
    parameters: { ...STRESS_DEFAULTS, durationSeconds: 120 },
    samples: Array.from({ length: 120 }, (_, t) => ({ t, rssBytes: 1e8, heapUsedBytes: 3e7, contentBytes: 1e6, conversations: 10 })),
    heapReadings: sawTooth(20 * 2 ** 20, 0),
    maxContentBytes: 1e6,
    statsReads: 400,
    requests: 1000,
    requestsByOperation: { create: 10, get: 10 },
    serverErrors: 0,
    unexpectedStatuses: 0,
    failedRequests: 0,
    diedEarly: undefined,
    stopped: { code: 0, signal: null, timedOut: false },
    ...overrides,
  });
  const failing = (run: RunFacts) =>
    stressChecks(run)
      .filter((check) => !check.pass)
      .map((check) => check.name);

  it('passes a clean run, and fails each way the issue names (and a run that measured nothing)', () => {
    assert.deepEqual(failing(facts({})), []);
    assert.match(failing(facts({ diedEarly: 'exited (code null, signal SIGABRT)' })).join(), /stayed up/);
    assert.match(failing(facts({ serverErrors: 1 })).join(), /no 5xx/);
    assert.match(failing(facts({ failedRequests: 1 })).join(), /every request answered/);
    assert.match(failing(facts({ maxContentBytes: STRESS_DEFAULTS.maxTotalBytes + 1 })).join(), /maxTotalBytes/);
    assert.match(failing(facts({ statsReads: 0 })).join(), /maxTotalBytes/);
    assert.match(failing(facts({ heapReadings: sawTooth(20 * 2 ** 20, 200 * 1024) })).join(), /heap flat/);
    assert.match(failing(facts({ heapReadings: [] })).join(), /heap flat/);
    assert.match(failing(facts({ samples: [] })).join(), /something to check/);
    assert.match(failing(facts({ requestsByOperation: { create: 10, delete: 0 } })).join(), /something to check/);
    assert.match(failing(facts({ stopped: { code: 1, signal: null, timedOut: false } })).join(), /stopped cleanly/);
  });

  it('warm-up lasts until the store is 90 % full: filling is not a leak, and filling past half the run leaves nothing to judge', () => {
    // The CI run that failed this check: the store reached its budget only at 11 s of 20 s, so the
    // heap still grew with the content through the second quarter. Here the heap grows with the
    // content until 11 s of a 24 s run, then saw-tooths flat.
    const budget = STRESS_DEFAULTS.maxTotalBytes;
    const filling = (fullAt: number, seconds: number) => ({
      heapReadings: Array.from({ length: seconds * 4 }, (_, index) => {
        const t = index / 4;
        return [t, 10 * 2 ** 20 + Math.min(t, fullAt) * 3 * 2 ** 20 + ((index % 12) / 12) * 8 * 2 ** 20] as const;
      }),
      samples: Array.from({ length: seconds }, (_, t) => ({
        t,
        rssBytes: 1e8,
        heapUsedBytes: 3e7,
        contentBytes: Math.min(1, t / fullAt) * budget,
        conversations: 10,
      })),
    });
    const early = filling(11, 24);
    assert.deepEqual(failing(facts({ ...early, parameters: { ...STRESS_DEFAULTS, durationSeconds: 24 } })), []);
    assert.deepEqual(failing(facts({ ...filling(44, 96), parameters: { ...STRESS_DEFAULTS, durationSeconds: 96 } })), []);
    assert.equal(heapTrend(early.heapReadings, 24).warmupSeconds, 6, 'without the samples: the first quarter');
    assert.ok(heapTrend(early.heapReadings, 24).growth > 0.25, 'judged from the first quarter on, the filling looks like a leak');
    const late = filling(15, 24);
    const lateLong = stressChecks(facts({ ...filling(60, 96), parameters: { ...STRESS_DEFAULTS, durationSeconds: 96 } })).find((check) =>
      check.name.startsWith('heap flat'),
    );
    assert.ok(lateLong?.pass === false && /only at 54 s of 96 s/.test(lateLong.detail), JSON.stringify(lateLong));
    // Runs under a minute report the heap figures without judging them (V8 may not have collected its old generation yet).
    const short = stressChecks(facts({ ...late, parameters: { ...STRESS_DEFAULTS, durationSeconds: 24 } })).find((check) =>
      check.name.startsWith('heap flat'),
    );
    assert.ok(short?.pass === true && /not judged on a run of 24 s/.test(short.detail), JSON.stringify(short));
    assert.match(failing(facts({ heapReadings: [], parameters: { ...STRESS_DEFAULTS, durationSeconds: 24 } })).join(), /heap flat/);
    assert.equal(parseStressArgs(['--max-total-mib', '4'])!.parameters.maxTotalBytes, 4 * 2 ** 20);
    assert.throws(() => parseStressArgs(['--max-total-mib', '-1']), StressUsageError);
  });

  it('reads --minutes (fractions too) and --seconds, and refuses nonsense', () => {
    assert.equal(parseStressArgs([])!.parameters.durationSeconds, 120);
    assert.equal(parseStressArgs(['--minutes', '0.5'])!.parameters.durationSeconds, 30);
    assert.equal(parseStressArgs(['--seconds', '20', '--clients', '4', '--out', '/tmp/x'])!.outDir, '/tmp/x');
    assert.equal(parseStressArgs(['--help']), undefined);
    for (const args of [
      ['--minutes', '-1'],
      ['--seconds', 'abc'],
      ['--seconds', '3'],
      ['--minutes', '1', '--seconds', '60'],
      ['--clients', '2.5'],
      ['--bogus'],
    ]) {
      assert.throws(() => parseStressArgs(args), StressUsageError, args.join(' '));
    }
  });
});

describe('generated doc sections and npm run bench', () => {
  it('replaces a section in place, adds a new one first or last, keeps the rest', () => {
    const doc = '# B\n\nintro\n\n<!-- bench:core:begin — x -->\ncore\n<!-- bench:core:end -->\n\ntail\n';
    const first = spliceDocSection(doc, 'charts', 'charts v1', 'test', 'first');
    assert.ok(first.indexOf('charts v1') < first.indexOf('bench:core:begin') && first.includes('intro') && first.includes('tail'));
    const again = spliceDocSection(first, 'charts', 'charts v2', 'test', 'first');
    assert.ok(again.includes('charts v2') && !again.includes('charts v1'));
    assert.equal(again.split('bench:charts:begin').length, 2);
    const last = spliceDocSection(doc, 'stress', 'stress', 'test', 'last');
    assert.ok(last.trimEnd().endsWith('<!-- bench:stress:end -->'));
  });

  it('runs a suite as its script says, minus the build npm run bench did once', () => {
    assert.equal(
      suiteCommand('npm run build --silent && node scripts/bench.mjs --expose-gc core/main.js'),
      'node scripts/bench.mjs --expose-gc core/main.js',
    );
    assert.equal(suiteCommand('node dist/bench/x/main.js'), 'node dist/bench/x/main.js');
  });
});
