/**
 * Pieces every benchmark suite's entry point needs: git facts about the checkout, a seeded random
 * source, and running a part so that its failure is recorded instead of ending the run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/seed/seed-location.js';
import type { Measured } from './backends/results.js';

/** Output of a git command in the repository, or null when git fails. */
export function git(...args: string[]): string | null {
  const child = spawnSync('git', args, { cwd: repoRoot(), encoding: 'utf8' });
  return child.status === 0 ? child.stdout.trim() : null;
}

/** The machine a suite ran on, as its results record it. */
export function machineFacts(): { cpu: string; cores: number; memoryBytes: number; os: string } {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
  };
}

/** The turnstore measured: its version, commit, and whether src/ had uncommitted changes. */
export function checkoutFacts(): { turnstore: string; gitCommit: string | null; srcModified: boolean } {
  return {
    turnstore: (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version,
    gitCommit: git('rev-parse', '--short', 'HEAD'),
    srcModified: (git('status', '--porcelain', '--', 'src') ?? '') !== '',
  };
}

/** mulberry32: a tiny seeded PRNG, so every run and every store gets the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Returns a runner for a suite's parts: each part's failure is reported through `progress` and
 * recorded as `{ error }`, not thrown, so one part's failure does not cost the others' figures.
 */
export function partRunner(progress: (message: string) => void) {
  return async function measured<T>(name: string, work: () => Promise<T>): Promise<Measured<T>> {
    const started = performance.now();
    try {
      const result = await work();
      progress(`${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      return result;
    } catch (error) {
      progress(`${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
}
