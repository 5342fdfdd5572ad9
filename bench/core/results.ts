/** The shape of bench/results/core.json, and the checks derived from its figures. */
import type { Rate } from './measure.js';
import type { CoreParameters, Workload } from './parameters.js';

/** Bytes held per stored turn (or per string, for the bare strings). */
export interface HeapFigure {
  readonly bytesPerTurn: number;
  readonly samples: number[];
  readonly turns: number;
  /** Seed only: a bare Python list of as many fresh strings, bytes per string. */
  readonly bareStringBytes?: number;
}

/** A workload's outcome on one store: its figure, or why there is none. */
export type Outcome = Rate | HeapFigure | { readonly error: string };

/**
 * The stores compared, and two references: `bare-strings` (heap workload only) and `empty-async`
 * (append and get only: the rate of an awaited call that does nothing).
 */
export type StoreName = 'turnstore' | 'turnstore-previous' | 'seed' | 'lru-cache' | 'langchain' | 'bare-strings' | 'empty-async';

/** One target of the benchmark and how this run fared against it. */
export interface Check {
  readonly label: string;
  /** The measured ratio, or null when a figure it needs is missing. */
  readonly value: number | null;
  readonly comparison: '>=' | '<=';
  readonly target: number;
  /** A better figure we aim for beyond the target, if any. */
  readonly aim?: number;
  /** null when the value is missing. */
  readonly pass: boolean | null;
}

export interface CoreResults {
  readonly suite: 'core';
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryBytes: number; readonly os: string };
  readonly runtimes: { readonly node: string; readonly python: string | null };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    /** Whether src/ had uncommitted changes when measured. */
    readonly srcModified: boolean;
    readonly lruCache: string;
    readonly langchainCore: string;
    /** The commit whose MemoryStore ran as `turnstore-previous`. */
    readonly previousCommit?: string;
  };
  readonly parameters: CoreParameters;
  readonly results: Partial<Record<StoreName, Partial<Record<Workload, Outcome>>>>;
  /** Why the seed was not measured, if it was not. */
  readonly seedUnavailable?: string;
  readonly checks: Check[];
}

export function isRate(outcome: Outcome | undefined): outcome is Rate {
  return outcome !== undefined && 'opsPerSecond' in outcome;
}

export function isHeapFigure(outcome: Outcome | undefined): outcome is HeapFigure {
  return outcome !== undefined && 'bytesPerTurn' in outcome;
}

/** The rate of a store on a workload, or undefined. */
export function rateOf(results: CoreResults['results'], store: StoreName, workload: Workload): number | undefined {
  const outcome = results[store]?.[workload];
  return isRate(outcome) ? outcome.opsPerSecond : undefined;
}

/** The heap bytes per turn of a store, or undefined. */
export function bytesPerTurnOf(results: CoreResults['results'], store: StoreName, workload: Workload = 'heap'): number | undefined {
  const outcome = results[store]?.[workload];
  return isHeapFigure(outcome) ? outcome.bytesPerTurn : undefined;
}

/** numerator ÷ denominator, or null when either is missing (or the denominator is 0). */
export function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  return numerator === undefined || denominator === undefined || denominator === 0 ? null : numerator / denominator;
}

function check(label: string, value: number | null, comparison: '>=' | '<=', target: number, aim?: number): Check {
  const pass = value === null ? null : comparison === '>=' ? value >= target : value <= target;
  return aim === undefined ? { label, value, comparison, target, pass } : { label, value, comparison, target, aim, pass };
}

/** The benchmark's targets, evaluated on this run's figures. */
export function coreChecks(results: CoreResults['results'], parameters: CoreParameters): Check[] {
  const smallestCap = Math.min(...parameters.caps);
  const largestCap = Math.max(...parameters.caps);
  const seedCap = 50_000;
  const cap = (n: number): Workload => `create-at-cap-${n}`;
  const count = (n: number) => n.toLocaleString('en-US');
  return [
    check('append: turnstore ÷ seed', ratio(rateOf(results, 'turnstore', 'append'), rateOf(results, 'seed', 'append')), '>=', 5, 10),
    // Decided 2026-12: fresh copies and lean memory over get speed; about 4x the seed is accepted.
    check('get: turnstore ÷ seed', ratio(rateOf(results, 'turnstore', 'get'), rateOf(results, 'seed', 'get')), '>=', 4, 5),
    check(
      `create at a ${count(seedCap)} cap: turnstore ÷ seed`,
      ratio(rateOf(results, 'turnstore', cap(seedCap)), rateOf(results, 'seed', cap(seedCap))),
      '>=',
      1000,
    ),
    check(
      `turnstore create at a ${count(largestCap)} cap ÷ at a ${count(smallestCap)} cap`,
      ratio(rateOf(results, 'turnstore', cap(largestCap)), rateOf(results, 'turnstore', cap(smallestCap))),
      '>=',
      1 / 3,
    ),
    check(
      `create at a ${count(largestCap)} cap: turnstore ÷ lru-cache store`,
      ratio(rateOf(results, 'turnstore', cap(largestCap)), rateOf(results, 'lru-cache', cap(largestCap))),
      '>=',
      1,
    ),
    check(
      'heap per turn: turnstore ÷ bare strings',
      ratio(bytesPerTurnOf(results, 'turnstore'), bytesPerTurnOf(results, 'bare-strings')),
      '<=',
      1.75,
    ),
    // Plain text turns cost no more than before turns could carry extras (same run).
    check(
      'plain turns, heap per turn: turnstore ÷ previous commit',
      ratio(bytesPerTurnOf(results, 'turnstore'), bytesPerTurnOf(results, 'turnstore-previous')),
      '<=',
      1.05,
    ),
    check(
      'plain turns, append: turnstore ÷ previous commit',
      ratio(rateOf(results, 'turnstore', 'append'), rateOf(results, 'turnstore-previous', 'append')),
      '>=',
      0.9,
    ),
    check(
      'plain turns, get: turnstore ÷ previous commit',
      ratio(rateOf(results, 'turnstore', 'get'), rateOf(results, 'turnstore-previous', 'get')),
      '>=',
      0.9,
    ),
  ];
}
