/**
 * Properties of contextWindow over random histories, budgets and counters.
 *
 * "Maximal" is defined with the start rule: let S be the non-system turns in order and S[k..] the
 * ones the window keeps. Then no longer suffix S[j..] (j < k) both fits in what the system turns
 * leave of maxTokens and opens with a user turn. A brute-force reference computes the same window
 * by trying every k, so the implementation is checked against the definition, not against itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TurnstoreError, contextWindow, type Role, type TurnLike } from '../../src/index.js';

interface Case {
  readonly turns: TurnLike[];
  /** Tokens of each turn, by position; the counter looks them up by object identity. */
  readonly costs: number[];
  readonly maxTokens: number;
}

const ROLE = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Role>('user') },
  { weight: 5, arbitrary: fc.constant<Role>('assistant') },
  { weight: 2, arbitrary: fc.constant<Role>('tool') },
  { weight: 2, arbitrary: fc.constant<Role>('system') },
);

const CASE: fc.Arbitrary<Case> = fc
  .array(fc.record({ role: ROLE, content: fc.string({ maxLength: 3 }), cost: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }) }), { maxLength: 30 })
  .chain((items) =>
    fc.record({
      turns: fc.constant(items.map(({ role, content }) => ({ role, content }))),
      costs: fc.constant(items.map(({ cost }) => cost)),
      maxTokens: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(0)),
    }),
  );

/** A counter that prices each turn from the case, and records how often each was counted. */
function countingCounter(c: Case): { countTokens: (turn: TurnLike) => number; calls: Map<TurnLike, number> } {
  const costOf = new Map(c.turns.map((turn, i) => [turn, c.costs[i]!]));
  const calls = new Map<TurnLike, number>();
  return {
    calls,
    countTokens: (turn) => {
      calls.set(turn, (calls.get(turn) ?? 0) + 1);
      const cost = costOf.get(turn);
      assert.ok(cost !== undefined, 'countTokens was handed a turn that is not in the input');
      return cost;
    },
  };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** The window by definition: every system turn, plus the longest suffix of the others that fits and opens with a user turn. */
function referenceWindow(c: Case): number[] | 'over budget' {
  const system = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [i] : []));
  const others = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [] : [i]));
  const left = c.maxTokens - sum(system.map((i) => c.costs[i]!));
  if (left < 0) return 'over budget';
  for (let k = 0; k <= others.length; k++) {
    const suffix = others.slice(k);
    const opensWithUser = suffix.length === 0 || c.turns[suffix[0]!]!.role === 'user';
    if (opensWithUser && sum(suffix.map((i) => c.costs[i]!)) <= left) return [...system, ...suffix].sort((x, y) => x - y);
  }
  throw new Error('unreachable: the empty suffix always qualifies');
}

function run(c: Case): { indices: number[]; calls: Map<TurnLike, number> } | { error: unknown; calls: Map<TurnLike, number> } {
  const { countTokens, calls } = countingCounter(c);
  try {
    const window = contextWindow(c.turns, { maxTokens: c.maxTokens, countTokens });
    const positions = new Map(c.turns.map((turn, i) => [turn, i]));
    return { indices: window.map((turn) => positions.get(turn) ?? -1), calls };
  } catch (error) {
    return { error, calls };
  }
}

const RUNS = { numRuns: 2000 };

describe('contextWindow properties', () => {
  it('throws TURNSTORE_INVALID_OPTION exactly when the system turns alone exceed maxTokens', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const outcome = run(c);
        const systemTokens = sum(c.turns.flatMap((turn, i) => (turn.role === 'system' ? [c.costs[i]!] : [])));
        if (systemTokens > c.maxTokens) {
          assert.ok('error' in outcome && outcome.error instanceof TurnstoreError && outcome.error.code === 'TURNSTORE_INVALID_OPTION');
        } else {
          assert.ok('indices' in outcome, `threw ${'error' in outcome ? String(outcome.error) : ''}`);
        }
      }),
      RUNS,
    );
  });

  it('is an in-order subsequence of its input holding every system turn', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        const { indices } = outcome;
        assert.ok(indices.every((index) => index >= 0), 'a turn not from the input');
        for (let i = 1; i < indices.length; i++) assert.ok(indices[i - 1]! < indices[i]!, `out of order: ${indices.join(',')}`);
        c.turns.forEach((turn, i) => {
          if (turn.role === 'system') assert.ok(indices.includes(i), `system turn ${i} dropped`);
        });
      }),
      RUNS,
    );
  });

  it('fits within maxTokens', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        assert.ok(sum(outcome.indices.map((i) => c.costs[i]!)) <= c.maxTokens);
      }),
      RUNS,
    );
  });

  it('keeps the start rule: the first non-system turn is a user turn, and the non-system turns are a suffix of the history', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        const kept = outcome.indices.filter((i) => c.turns[i]!.role !== 'system');
        if (kept.length > 0) assert.equal(c.turns[kept[0]!]!.role, 'user');
        const others = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [] : [i]));
        assert.deepEqual(kept, others.slice(others.length - kept.length));
      }),
      RUNS,
    );
  });

  it('is maximal: no longer suffix of the non-system turns both fits and opens with a user turn', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        const system = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [i] : []));
        const others = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [] : [i]));
        const left = c.maxTokens - sum(system.map((i) => c.costs[i]!));
        const keptCount = outcome.indices.length - system.length;
        for (let j = 0; j < others.length - keptCount; j++) {
          const longer = others.slice(j);
          const fits = sum(longer.map((i) => c.costs[i]!)) <= left;
          assert.ok(!(fits && c.turns[longer[0]!]!.role === 'user'), `the suffix from turn ${longer[0]} fits and opens with a user turn, yet was not taken`);
        }
      }),
      RUNS,
    );
  });

  it('equals the window computed by definition', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const expected = referenceWindow(c);
        const outcome = run(c);
        if (expected === 'over budget') assert.ok('error' in outcome);
        else assert.deepEqual('indices' in outcome ? outcome.indices : outcome.error, expected);
      }),
      RUNS,
    );
  });

  it('counts each turn at most once per call', () => {
    fc.assert(
      fc.property(CASE, (c) => {
        const { calls } = run(c);
        for (const [turn, times] of calls) assert.equal(times, 1, `${JSON.stringify(turn)} counted ${times} times`);
      }),
      RUNS,
    );
  });
});
