/** Timing and heap measurement for the Node side of the core benchmark. */
import type { Timing } from './parameters.js';

/** A rate: the median of the samples, in operations per second. */
export interface Rate {
  readonly opsPerSecond: number;
  /** Each sample's rate, in the order taken. */
  readonly samples: number[];
  /** Operations timed, warm-up excluded. */
  readonly ops: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Calls `op` with increasing indices until `budgetMs` have passed or `maxOps` calls were made.
 * Calls go in chunks that double while they are short, so reading the clock costs next to nothing.
 */
async function runFor(
  op: (index: number) => Promise<unknown>,
  next: { index: number },
  budgetMs: number,
  maxOps: number,
): Promise<{ ops: number; ms: number }> {
  let ops = 0;
  let chunk = 1;
  const start = performance.now();
  for (;;) {
    const count = Math.min(chunk, maxOps - ops);
    for (let k = 0; k < count; k++) await op(next.index++);
    ops += count;
    const ms = performance.now() - start;
    if (ms >= budgetMs || ops >= maxOps) return { ops, ms };
    if (ms < budgetMs / 16) chunk *= 2;
  }
}

/** Warms `op` up, then samples its rate; `op` gets a fresh index on every call. */
export async function measureRate(op: (index: number) => Promise<unknown>, timing: Timing): Promise<Rate> {
  const next = { index: 0 };
  await runFor(op, next, timing.warmupMs, timing.sampleMaxOps);
  const samples: number[] = [];
  let ops = 0;
  for (let s = 0; s < timing.samples; s++) {
    const sample = await runFor(op, next, timing.sampleMs, timing.sampleMaxOps);
    samples.push((sample.ops * 1000) / sample.ms);
    ops += sample.ops;
  }
  return { opsPerSecond: median(samples), samples, ops };
}

/** Heap in use after full collections; needs `node --expose-gc`. */
export function heapUsedAfterGc(): number {
  if (typeof globalThis.gc !== 'function') throw new Error('Run with node --expose-gc to measure the heap.');
  // Twice: the first may leave weakly held or finalizable objects for the second.
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}
