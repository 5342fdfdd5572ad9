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
  .array(
    fc.record({
      role: ROLE,
      content: fc.string({ maxLength: 3 }),
      cost: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }),
    }),
    { maxLength: 30 },
  )
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
        assert.ok(
          indices.every((index) => index >= 0),
          'a turn not from the input',
        );
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
          assert.ok(
            !(fits && c.turns[longer[0]!]!.role === 'user'),
            `the suffix from turn ${longer[0]} fits and opens with a user turn, yet was not taken`,
          );
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

/*
 * Histories with tool exchanges.
 *
 * Definitions (those of contextWindow's TSDoc, implemented here independently and by brute force):
 * - A tool turn with a toolCallId answers the nearest earlier assistant turn whose toolCalls hold
 *   that id. An assistant turn with calls is complete when each of its call ids is answered by
 *   some later tool turn. Orphans: tool turns answering nothing, assistant turns that are not
 *   complete, and the tool turns answering those.
 * - Let E be the non-system turns that are not orphans, in order. A cut E[k..] may open the window
 *   when it is empty, or E[k] is a user turn and no tool turn in E[k..] answers an assistant turn
 *   older than E[k].
 * - The window is every system turn plus E[k..] for the smallest k that may open the window and
 *   fits in what the system turns leave of maxTokens.
 *
 * Properties checked: the window never holds a tool result whose call is not in it nor a call
 * without all its results (checked on the output alone, as an API would see it); its non-system
 * turns are a suffix of E (orphans skipped, nothing else); no longer suffix of E both fits and may
 * open the window; it equals the brute-force window; each turn is counted at most once, and an
 * orphan never.
 */

interface RichTurn extends TurnLike {
  readonly label: string;
}

const CALL_IDS = ['c0', 'c1', 'c2', 'c3'];
const PLAIN_ROLE = fc.constantFrom<Role>('user', 'user', 'user', 'assistant', 'assistant', 'system', 'tool');

type Segment =
  | { readonly kind: 'plain'; readonly role: Role }
  | { readonly kind: 'result'; readonly id: string }
  | { readonly kind: 'exchange'; readonly ids: string[]; readonly results: string[]; readonly gaps: { at: number; role: Role }[] };

const EXCHANGE = fc.uniqueArray(fc.constantFrom(...CALL_IDS), { minLength: 1, maxLength: 3 }).chain((ids) =>
  fc.record({
    kind: fc.constant('exchange' as const),
    ids: fc.constant(ids),
    // Mostly every result (in any order), sometimes some missing, sometimes one answered twice.
    results: fc.oneof(
      { weight: 5, arbitrary: fc.shuffledSubarray(ids, { minLength: ids.length }) },
      { weight: 1, arbitrary: fc.shuffledSubarray(ids) },
      { weight: 1, arbitrary: fc.shuffledSubarray(ids, { minLength: ids.length }).map((r) => [...r, r[0]!]) },
    ),
    // Other turns between the call and its results, or between results: a user interrupting, a system note…
    gaps: fc.oneof(
      { weight: 4, arbitrary: fc.constant<{ at: number; role: Role }[]>([]) },
      { weight: 1, arbitrary: fc.array(fc.record({ at: fc.nat(3), role: PLAIN_ROLE }), { maxLength: 2 }) },
    ),
  }),
);

const SEGMENT: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('plain' as const), role: PLAIN_ROLE }) },
  { weight: 4, arbitrary: EXCHANGE },
  // A result out of the blue: its id may name no call, or repeat one already answered.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('result' as const), id: fc.constantFrom(...CALL_IDS, 'x9') }) },
);

function segmentTurns(segment: Segment): Omit<RichTurn, 'label'>[] {
  if (segment.kind === 'plain') return [{ role: segment.role, content: '' }];
  if (segment.kind === 'result') return [{ role: 'tool', content: '', toolCallId: segment.id }];
  const results: Omit<RichTurn, 'label'>[] = segment.results.map((id) => ({ role: 'tool', content: '', toolCallId: id }));
  for (const gap of segment.gaps) results.splice(gap.at % (results.length + 1), 0, { role: gap.role, content: '' });
  return [{ role: 'assistant', content: '', toolCalls: segment.ids.map((id) => ({ id, name: 'lookup', arguments: '{}' })) }, ...results];
}

const COST = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) });

/** A conversation with tool exchanges, cut to its newest `cap` turns as a store's maxTurns would (so it may open mid-exchange). */
const RICH_CASE: fc.Arbitrary<Case & { readonly turns: RichTurn[] }> = fc
  .record({
    // Results whose calls are older than the history: how a history cut by maxTurns can open.
    leading: fc.oneof(
      { weight: 2, arbitrary: fc.constant<string[]>([]) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...CALL_IDS), { minLength: 1, maxLength: 3 }) },
    ),
    segments: fc.array(SEGMENT, { minLength: 2, maxLength: 14 }),
    cap: fc.oneof(fc.constant(undefined), fc.nat(40)),
  })
  .chain(({ leading, segments, cap }) => {
    const all = [...leading.map((id) => ({ role: 'tool' as Role, content: '', toolCallId: id })), ...segments.flatMap(segmentTurns)];
    const kept = cap === undefined ? all : all.slice(Math.max(0, all.length - cap));
    const turns: RichTurn[] = kept.map((turn, i) => ({ ...turn, label: `${i}` }));
    return fc.record({
      turns: fc.constant(turns),
      costs: fc.array(COST, { minLength: turns.length, maxLength: turns.length }),
      maxTokens: fc.integer({ min: 0, max: 150 }),
    });
  });

/** For each turn, the assistant turn it answers by definition (index), -1 when none; undefined when it answers nothing (not a tool turn with an id). */
function answeredCall(turns: readonly TurnLike[], i: number): number | undefined {
  const { role, toolCallId } = turns[i]!;
  if (role !== 'tool' || toolCallId === undefined) return undefined;
  for (let j = i - 1; j >= 0; j--) {
    const earlier = turns[j]!;
    if (earlier.role === 'assistant' && (earlier.toolCalls ?? []).some((call) => call.id === toolCallId)) return j;
  }
  return -1;
}

function isCompleteCall(turns: readonly TurnLike[], a: number): boolean {
  return (turns[a]!.toolCalls ?? []).every((call) =>
    turns.some((turn, j) => j > a && turn.toolCallId === call.id && answeredCall(turns, j) === a),
  );
}

function isOrphan(turns: readonly TurnLike[], i: number): boolean {
  const turn = turns[i]!;
  if (turn.role === 'assistant' && (turn.toolCalls ?? []).length > 0) return !isCompleteCall(turns, i);
  const call = answeredCall(turns, i);
  return call !== undefined && (call < 0 || !isCompleteCall(turns, call));
}

/** The exchange a turn belongs to by definition: the index of its assistant turn, or undefined. */
function exchangeOf(turns: readonly TurnLike[], i: number): number | undefined {
  const turn = turns[i]!;
  if (turn.role === 'assistant' && (turn.toolCalls ?? []).length > 0) return i;
  const call = answeredCall(turns, i);
  return call === undefined || call < 0 ? undefined : call;
}

/** E of the definitions above: indices of the non-system turns that are not orphans. */
function emittable(turns: readonly TurnLike[]): number[] {
  return turns.flatMap((turn, i) => (turn.role === 'system' || isOrphan(turns, i) ? [] : [i]));
}

function mayOpen(turns: readonly TurnLike[], suffix: readonly number[]): boolean {
  if (suffix.length === 0) return true;
  const first = suffix[0]!;
  return turns[first]!.role === 'user' && suffix.every((i) => (exchangeOf(turns, i) ?? first) >= first);
}

function referenceRichWindow(c: Case): number[] | 'over budget' {
  const system = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [i] : []));
  const others = emittable(c.turns);
  const left = c.maxTokens - sum(system.map((i) => c.costs[i]!));
  if (left < 0) return 'over budget';
  for (let k = 0; k <= others.length; k++) {
    const suffix = others.slice(k);
    if (mayOpen(c.turns, suffix) && sum(suffix.map((i) => c.costs[i]!)) <= left) return [...system, ...suffix].sort((x, y) => x - y);
  }
  throw new Error('unreachable: the empty suffix always qualifies');
}

/** The API's view: every tool result's call is in `window` before it, and every call there has all its results after it. */
function assertNoBrokenExchange(window: readonly TurnLike[]): void {
  const shown = (turn: TurnLike) => JSON.stringify(turn);
  window.forEach((turn, i) => {
    const call = answeredCall(window, i);
    assert.ok(call === undefined || call >= 0, `the window holds the result ${shown(turn)} without its call`);
    if (turn.role === 'assistant') {
      for (const { id } of turn.toolCalls ?? []) {
        assert.ok(
          window.some((later, j) => j > i && later.toolCallId === id && answeredCall(window, j) === i),
          `the window holds the call ${id} of ${shown(turn)} without its result`,
        );
      }
    }
  });
}

describe('contextWindow properties, with tool exchanges', () => {
  const windowOf = (c: Case, maxTokens: number) => {
    const costOf = new Map(c.turns.map((turn, i) => [turn, c.costs[i]!]));
    return contextWindow(c.turns, { maxTokens, countTokens: (turn) => costOf.get(turn)! });
  };

  it('never breaks an exchange, for every budget from 0 to the whole history', () => {
    fc.assert(
      fc.property(RICH_CASE, (c) => {
        const systemTokens = sum(c.turns.flatMap((turn, i) => (turn.role === 'system' ? [c.costs[i]!] : [])));
        for (let maxTokens = systemTokens; maxTokens <= sum(c.costs) + 1; maxTokens++) assertNoBrokenExchange(windowOf(c, maxTokens));
      }),
      { numRuns: 500 },
    );
  });

  it('never breaks an exchange however the history was cut (every turn cap), with the default counter too', () => {
    fc.assert(
      fc.property(RICH_CASE, fc.integer({ min: 0, max: 400 }), (c, maxTokens) => {
        for (let cap = 0; cap <= c.turns.length; cap++) {
          const cut: Case = {
            turns: c.turns.slice(c.turns.length - cap),
            costs: c.costs.slice(c.turns.length - cap),
            maxTokens: c.maxTokens,
          };
          const outcome = run(cut);
          if ('indices' in outcome) assertNoBrokenExchange(outcome.indices.map((i) => cut.turns[i]!));
          try {
            assertNoBrokenExchange(contextWindow(cut.turns, { maxTokens }));
          } catch (error) {
            if (!(error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_OPTION')) throw error;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every system turn, and as its other turns a suffix of the turns that are not orphans', () => {
    fc.assert(
      fc.property(RICH_CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        const others = emittable(c.turns);
        const kept = outcome.indices.filter((i) => c.turns[i]!.role !== 'system');
        assert.deepEqual(kept, others.slice(others.length - kept.length));
        c.turns.forEach((turn, i) => {
          if (turn.role === 'system') assert.ok(outcome.indices.includes(i), `system turn ${i} dropped`);
        });
        assert.ok(sum(outcome.indices.map((i) => c.costs[i]!)) <= c.maxTokens);
        assert.ok(mayOpen(c.turns, kept), `the window opens with turn ${kept[0]}, which may not open it`);
      }),
      RUNS,
    );
  });

  it('is maximal: no longer suffix of the turns that are not orphans both fits and may open the window', () => {
    fc.assert(
      fc.property(RICH_CASE, (c) => {
        const outcome = run(c);
        if (!('indices' in outcome)) return;
        const system = c.turns.flatMap((turn, i) => (turn.role === 'system' ? [i] : []));
        const others = emittable(c.turns);
        const left = c.maxTokens - sum(system.map((i) => c.costs[i]!));
        const keptCount = outcome.indices.length - system.length;
        for (let j = 0; j < others.length - keptCount; j++) {
          const longer = others.slice(j);
          assert.ok(
            !(sum(longer.map((i) => c.costs[i]!)) <= left && mayOpen(c.turns, longer)),
            `the suffix from turn ${longer[0]} fits and may open the window, yet was not taken`,
          );
        }
      }),
      RUNS,
    );
  });

  it('equals the window computed by definition', () => {
    fc.assert(
      fc.property(RICH_CASE, (c) => {
        const expected = referenceRichWindow(c);
        const outcome = run(c);
        if (expected === 'over budget')
          assert.ok('error' in outcome && outcome.error instanceof TurnstoreError && outcome.error.code === 'TURNSTORE_INVALID_OPTION');
        else assert.deepEqual('indices' in outcome ? outcome.indices : outcome.error, expected);
      }),
      RUNS,
    );
  });

  it('counts each turn at most once, and never an orphan', () => {
    fc.assert(
      fc.property(RICH_CASE, (c) => {
        const { calls } = run(c);
        for (const [turn, times] of calls) {
          assert.equal(times, 1, `${JSON.stringify(turn)} counted ${times} times`);
          assert.ok(!isOrphan(c.turns, c.turns.indexOf(turn)), `the orphan ${JSON.stringify(turn)} was counted`);
        }
      }),
      RUNS,
    );
  });
});
