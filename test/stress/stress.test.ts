/**
 * A 20-second `npm run stress`: the real service with a 96 MiB heap under concurrent clients. It
 * must pass, and its checks must really have run (requests of every kind, memory samples, heap and
 * stats readings), so a run that measured nothing cannot pass by default.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { StressResults } from '../../bench/stress/stress-report.js';
import { repoRoot } from '../seed/seed-location.js';

const outDir = mkdtempSync(join(tmpdir(), 'turnstore-stress-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run stress, 20 seconds', () => {
  it(
    'passes, with every check fed',
    { timeout: 120_000, skip: process.platform === 'linux' ? false : 'reads RSS from /proc (Linux)' },
    async () => {
      const child = spawn(
        process.execPath,
        [join(repoRoot(), 'dist', 'bench', 'stress', 'main.js'), '--seconds', '20', '--max-total-mib', '4', '--out', outDir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, output);
      assert.match(output, /stress: PASSED/);

      const run = JSON.parse(readFileSync(join(outDir, 'stress.json'), 'utf8')) as StressResults;
      assert.equal(run.pass, true);
      assert.equal(run.checks.length, 8);
      // 20 s is too short to judge the heap trend (see HEAP_JUDGED_FROM_SECONDS); its figures must still be there.
      assert.match(
        run.checks.find((check) => check.name.startsWith('heap flat'))?.detail ?? '',
        /^not judged on a run of 20 s .*; \d+ and \d+ readings$/,
      );
      assert.ok(
        run.checks.every((check) => check.pass),
        JSON.stringify(run.checks, null, 2),
      );
      assert.ok(run.requests.total >= 1_000, `only ${run.requests.total} requests`);
      for (const [operation, count] of Object.entries(run.requests.byOperation)) assert.ok(count > 0, `no ${operation} request sent`);
      assert.ok((run.requests.statuses['413'] ?? 0) > 0, 'no oversized turn was refused');
      assert.ok(run.memory.samples.length >= 15, `${run.memory.samples.length} memory samples`);
      assert.ok(run.memory.heapReadings.length >= 30, `${run.memory.heapReadings.length} heap readings`);
      assert.ok(run.memory.statsReads >= 30, `${run.memory.statsReads} stats reads`);
      assert.ok(run.memory.maxContentBytes > 0 && run.memory.maxContentBytes <= run.parameters.maxTotalBytes);
      assert.ok(run.memory.samples.every((sample) => sample.rssBytes > 0));
      assert.match(readFileSync(join(outDir, 'stress.svg'), 'utf8'), /^<svg [^>]*width="760"[\s\S]*RSS \(VmRSS\)[\s\S]*<\/svg>\n$/);
    },
  );
});
