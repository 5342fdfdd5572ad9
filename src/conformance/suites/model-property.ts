import assert from 'node:assert/strict';
import { TurnstoreError } from '../../core/errors.js';
import { importPeer } from '../../core/import-peer.js';
import type { StoreOptions } from '../../core/options.js';
import type { ConversationStore, ConversationSummary, JsonValue, Role, Turn, TurnExtras, TurnInput } from '../../core/types.js';
import { type EvictionCall, FAKE_CLOCK_START_MS, group } from '../harness.js';
import { ModelRejection, ReferenceModel } from '../model.js';
import type { ResolvedTarget } from '../target.js';

type FastCheck = typeof import('fast-check');
type Arbitrary<T> = import('fast-check').Arbitrary<T>;

/** One step of a generated sequence. Plain data, so a failing sequence prints readably. */
export type Operation =
  | { readonly op: 'append'; readonly id: string; readonly role: string; readonly content: string; readonly extra?: TurnExtras }
  | {
      readonly op: 'appendMany';
      readonly id: string;
      readonly turns: ReadonlyArray<{ readonly role: string; readonly content: string } & TurnExtras>;
      /** The `replaceNewest` option; absent: no options at all. Now and then out of rule, to be refused. */
      readonly replaceNewest?: number;
    }
  | { readonly op: 'pop'; readonly id: string }
  /**
   * Compacts through the element at `through` of what `get` returned: with `lead`, of a `get` made
   * just after appending those turns; without, of the last one of the id (stale by then, or not).
   */
  | {
      readonly op: 'compact';
      readonly id: string;
      readonly summary: string;
      readonly through: number;
      readonly lead?: ReadonlyArray<{ readonly role: string; readonly content: string } & TurnExtras>;
    }
  | { readonly op: 'get'; readonly id: string }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'size' }
  | { readonly op: 'list'; readonly limit: number }
  | { readonly op: 'stats' }
  | { readonly op: 'clear' }
  | { readonly op: 'advance'; readonly ms: number };

/** The caps of one generated run, and its operations. */
export interface Scenario {
  readonly maxTurns: number;
  readonly maxConversations: number;
  readonly maxTurnBytes: number;
  /** Absent when the target does not enforce a byte budget. */
  readonly maxTotalBytes?: number;
  readonly ttlSeconds: number;
  readonly operations: readonly Operation[];
}

/**
 * A small id pool, so operations meet the same conversations often and the LRU cap bites; two
 * ids that are also names of Object.prototype members catch stores keyed by plain objects.
 */
const ID_POOL = ['a', 'b', 'c', '__proto__', 'constructor'];
/** Units of content: 1 to 4 UTF-8 bytes each, so byte counts and UTF-16 lengths disagree. */
const CONTENT_UNITS = ['a', 'b', 'é', '€', '😀'];
/** The fake-clock TTL of generated runs; clock advances are drawn around it. */
const MODEL_TTL_MS = 1000;

function scenarioArbitrary(fc: FastCheck, target: ResolvedTarget): Arbitrary<Scenario> {
  const injected = target.clock === 'injected';
  const id = fc.constantFrom(...ID_POOL);
  // A rare invalid role keeps "a rejected call changes nothing" under test inside sequences.
  const role = fc.oneof(
    { weight: 19, arbitrary: fc.constantFrom('user', 'assistant', 'system', 'tool') },
    { weight: 1, arbitrary: fc.constant('robot') },
  );
  const content = fc.array(fc.constantFrom(...CONTENT_UNITS), { maxLength: 4 }).map((units) => units.join(''));
  // Now and then a turn carries extras: tool calls (sometimes on the wrong role, or with a repeated
  // id, which must be refused), a tool call id, an attachment, metadata.
  const call = fc.record({
    id: fc.constantFrom('c1', 'c2', 'c3'),
    name: fc.constantFrom('f', 'lookup'),
    arguments: fc.constantFrom('{}', '{"q":"é"}', ''),
  });
  const extraFields = fc.record(
    {
      toolCalls: fc.array(call, { minLength: 0, maxLength: 2 }),
      toolCallId: fc.constantFrom('c1', 'c2'),
      attachments: fc.array(
        fc.record({
          mediaType: fc.constantFrom('image/png', 'application/pdf'),
          url: fc.constantFrom('data:image/png;base64,AA', 'https://x.test/a'),
        }),
        { maxLength: 1 },
      ),
      metadata: fc.dictionary(fc.constantFrom('k', 'é', '__proto__'), fc.constantFrom<JsonValue>(1, 'v', null, [true]), { maxKeys: 2 }),
    },
    { requiredKeys: [] },
  );
  const extra = fc.option(extraFields, { freq: 3, nil: undefined });
  const turn = fc
    .tuple(role, content, extra)
    .map(([turnRole, turnContent, turnExtra]) => ({ role: turnRole, content: turnContent, ...turnExtra }));
  const weighted = <T extends Operation>(weight: number, arbitrary: Arbitrary<T>) => ({
    weight,
    arbitrary: arbitrary as Arbitrary<Operation>,
  });
  const operations = fc.oneof(
    weighted(
      10,
      fc.record({ op: fc.constant('append' as const), id, role, content, extra }, { requiredKeys: ['op', 'id', 'role', 'content'] }),
    ),
    weighted(4, fc.record({ op: fc.constant('appendMany' as const), id, turns: fc.array(turn, { maxLength: 6 }) })),
    // Replacing the newest turns: more or fewer than the conversation holds, with or without new
    // turns (then a removal), and rarely a count out of rule.
    weighted(
      3,
      fc.record({
        op: fc.constant('appendMany' as const),
        id,
        turns: fc.array(turn, { maxLength: 3 }),
        replaceNewest: fc.oneof(
          { weight: 12, arbitrary: fc.integer({ min: 0, max: 5 }) },
          { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, Number.NaN) },
        ),
      }),
    ),
    weighted(3, fc.record({ op: fc.constant('pop' as const), id })),
    // With a real clock the store's ts cannot be predicted, so whether a turn re-appended with the
    // same content conflicts cannot be either: compact is drawn only with an injected clock.
    weighted(
      injected ? 6 : 0,
      fc.record(
        {
          op: fc.constant('compact' as const),
          id,
          summary: content,
          through: fc.integer({ min: 0, max: 3 }),
          // Short plain turns, so the conversation compacted is seldom empty.
          lead: fc.option(
            fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.constantFrom('x', 'yé') }), {
              minLength: 1,
              maxLength: 3,
            }),
            { freq: 4, nil: undefined },
          ),
        },
        { requiredKeys: ['op', 'id', 'summary', 'through'] },
      ),
    ),
    weighted(6, fc.record({ op: fc.constant('get' as const), id })),
    weighted(2, fc.record({ op: fc.constant('delete' as const), id })),
    weighted(2, fc.record({ op: fc.constant('size' as const) })),
    weighted(2, fc.record({ op: fc.constant('list' as const), limit: fc.integer({ min: 1, max: 3 }) })),
    weighted(2, fc.record({ op: fc.constant('stats' as const) })),
    weighted(1, fc.record({ op: fc.constant('clear' as const) })),
    // Without a fake clock time cannot be moved, so runs use a TTL they never reach instead.
    weighted(
      injected ? 5 : 0,
      fc.record({
        op: fc.constant('advance' as const),
        ms: fc.oneof(fc.integer({ min: 0, max: 2 * MODEL_TTL_MS }), fc.constantFrom(MODEL_TTL_MS, MODEL_TTL_MS + 1, 1)),
      }),
    ),
  );
  return fc
    .record({
      maxTurns: fc.integer({ min: 1, max: 4 }),
      maxConversations: fc.integer({ min: 1, max: 4 }),
      // Small limits make plain contents too large now and then; large ones let turns with extras fit.
      byteLimits: fc.oneof(
        fc.record({ maxTurnBytes: fc.integer({ min: 4, max: 12 }), extraTotalBytes: fc.integer({ min: 0, max: 24 }) }),
        fc.record({ maxTurnBytes: fc.integer({ min: 40, max: 140 }), extraTotalBytes: fc.integer({ min: 0, max: 200 }) }),
      ),
      ttlSeconds: injected
        ? fc.oneof({ weight: 4, arbitrary: fc.constant(MODEL_TTL_MS / 1000) }, { weight: 1, arbitrary: fc.constant(0) })
        : fc.constantFrom(0, 3600),
      operations: fc.array(operations, { maxLength: 40 }),
    })
    .map(({ byteLimits: { maxTurnBytes, extraTotalBytes }, ...rest }) =>
      target.enforcesTotalBytes ? { ...rest, maxTurnBytes, maxTotalBytes: maxTurnBytes + extraTotalBytes } : { ...rest, maxTurnBytes },
    );
}

/** Either a value or the codes a rejection may carry (model) / the error (store). */
type ModelOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly codes: readonly string[] };
type StoreOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function modelOutcome<T>(work: () => T): ModelOutcome<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (error instanceof ModelRejection) return { ok: false, codes: error.codes };
    throw error;
  }
}

async function storeOutcome<T>(work: () => Promise<T>): Promise<StoreOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Fails unless store and model agree on success, on the error code, and (via `compare`) on the value. */
function assertSameOutcome<S, M>(actual: StoreOutcome<S>, expected: ModelOutcome<M>, compare: (actual: S, expected: M) => void): void {
  if (!expected.ok) {
    assert.ok(!actual.ok, `the store accepted a call the model rejects with ${expected.codes.join(' or ')}`);
    const { error } = actual;
    assert.ok(
      error instanceof TurnstoreError && expected.codes.includes(error.code),
      `expected ${expected.codes.join(' or ')}; got ${String(error)}`,
    );
    return;
  }
  if (!actual.ok) assert.fail(`the store rejected a call the model accepts: ${String(actual.error)}`);
  compare(actual.value, expected.value);
}

/** Runs one scenario against a fresh store and the model, comparing after every operation. */
export async function runScenario(target: ResolvedTarget, scenario: Scenario): Promise<void> {
  const injected = target.clock === 'injected';
  let clockMs = FAKE_CLOCK_START_MS;
  // Without a fake clock the model's time stands still: runs never reach the TTL.
  const modelNow = (): number => (injected ? clockMs : 0);
  const log: EvictionCall[] = [];
  const options: StoreOptions = {
    maxTurns: scenario.maxTurns,
    maxConversations: scenario.maxConversations,
    maxTurnBytes: scenario.maxTurnBytes,
    ttlSeconds: scenario.ttlSeconds,
    ...(scenario.maxTotalBytes === undefined ? {} : { maxTotalBytes: scenario.maxTotalBytes }),
    ...(injected ? { now: () => clockMs } : {}),
    onEvict: (id, reason) => {
      log.push([id, reason]);
    },
  };
  const model = new ReferenceModel({
    maxTurns: scenario.maxTurns,
    maxConversations: scenario.maxConversations,
    maxTurnBytes: scenario.maxTurnBytes,
    maxTotalBytes: scenario.maxTotalBytes ?? Infinity,
    ttlSeconds: scenario.ttlSeconds,
  });

  // With a real clock, times are the store's own and cannot be predicted: compare the rest.
  const turnsOf = (turns: readonly Turn[]): unknown[] => (injected ? [...turns] : turns.map(({ ts: _ts, ...rest }) => rest));
  const itemsOf = (items: readonly ConversationSummary[]): unknown[] =>
    items.map((item) =>
      injected ? { id: item.id, turns: turnsOf(item.turns), lastAccess: item.lastAccess } : { id: item.id, turns: turnsOf(item.turns) },
    );
  // Inexact TTL counting (a backend expiring keys itself) leaves 'ttl' out of every comparison.
  const countable = (calls: readonly EvictionCall[]): string[] =>
    calls
      .filter(([, reason]) => target.exactEvictionCounts || reason !== 'ttl')
      .map(([id, reason]) => `${reason}:${id}`)
      .sort();
  const statsOf = (stats: {
    conversations: number;
    turns: number;
    bytes: number;
    evictions: { ttl: number; lru: number; bytes: number };
  }) => ({
    conversations: stats.conversations,
    turns: stats.turns,
    bytes: stats.bytes,
    evictions: {
      lru: stats.evictions.lru,
      bytes: stats.evictions.bytes,
      ...(target.exactEvictionCounts ? { ttl: stats.evictions.ttl } : {}),
    },
  });

  const store = await target.create(options);
  // onEvict calls are compared in windows between agreeing points: within one call the order of
  // several evictions is the store's business, and a store may report an expiry one call early
  // (a background sweep) or late (a call that changed nothing), but never differently.
  let logChecked = 0;
  let modelLogChecked = 0;
  const checkEvictions = (): void => {
    assert.deepEqual(countable(log.slice(logChecked)), countable(model.evicted.slice(modelLogChecked)), 'onEvict calls');
    logChecked = log.length;
    modelLogChecked = model.evicted.length;
  };

  // What the last get of each id returned, from the store and from the model, for compact.
  const storeSeen = new Map<string, Turn[]>();
  const modelSeen = new Map<string, Turn[]>();

  const step = async (operation: Operation): Promise<void> => {
    switch (operation.op) {
      case 'advance':
        clockMs += operation.ms;
        return;
      case 'append': {
        const expected = modelOutcome(() =>
          model.append(operation.id, [{ role: operation.role as Role, content: operation.content, ...operation.extra }], modelNow()),
        );
        const actual = await storeOutcome(() => store.append(operation.id, operation.role as Role, operation.content, operation.extra));
        assertSameOutcome(actual, expected, () => {});
        if (expected.ok) checkEvictions();
        return;
      }
      case 'appendMany': {
        const turns = operation.turns as TurnInput[];
        const { replaceNewest } = operation;
        const expected = modelOutcome(() => model.append(operation.id, turns, modelNow(), replaceNewest));
        const actual = await storeOutcome(() =>
          replaceNewest === undefined ? store.appendMany(operation.id, turns) : store.appendMany(operation.id, turns, { replaceNewest }),
        );
        assertSameOutcome(actual, expected, () => {});
        if (expected.ok && (turns.length > 0 || (replaceNewest ?? 0) > 0)) checkEvictions();
        return;
      }
      case 'pop': {
        const expected = modelOutcome(() => model.pop(operation.id, modelNow()));
        const actual = await storeOutcome(() => store.pop(operation.id));
        assertSameOutcome(actual, expected, (a, e) =>
          assert.deepEqual(a === undefined ? a : turnsOf([a])[0], e === undefined ? e : turnsOf([e])[0], 'pop'),
        );
        checkEvictions();
        return;
      }
      case 'get': {
        const expected = modelOutcome(() => model.get(operation.id, modelNow()));
        const actual = await storeOutcome(() => store.get(operation.id));
        assertSameOutcome(actual, expected, (a, e) => assert.deepEqual(turnsOf(a), turnsOf(e), 'get'));
        if (actual.ok && expected.ok) {
          storeSeen.set(operation.id, actual.value);
          modelSeen.set(operation.id, expected.value);
        }
        checkEvictions();
        return;
      }
      case 'compact': {
        const { id, summary, through } = operation;
        if (operation.lead !== undefined) {
          await step({ op: 'appendMany', id, turns: operation.lead });
          await step({ op: 'get', id });
        }
        const expected = modelOutcome(() => model.compact(id, summary, modelSeen.get(id) ?? [], through, modelNow()));
        const seen = storeSeen.get(id) ?? [];
        const actual = await storeOutcome(() => store.compact(id, { summary, through: seen[through]!, seen }));
        assertSameOutcome(actual, expected, () => {});
        checkEvictions();
        return;
      }
      case 'delete': {
        const expected = modelOutcome(() => model.delete(operation.id, modelNow()));
        const actual = await storeOutcome(() => store.delete(operation.id));
        assertSameOutcome(actual, expected, (a, e) => assert.equal(a, e, 'delete'));
        checkEvictions();
        return;
      }
      case 'size': {
        const expected = modelOutcome(() => model.size(modelNow()));
        const actual = await storeOutcome(() => store.size());
        assertSameOutcome(actual, expected, (a, e) => assert.equal(a, e, 'size'));
        checkEvictions();
        return;
      }
      case 'list': {
        const expected = modelOutcome(() => model.list(modelNow()));
        const actual = await storeOutcome(() => pageThrough(store, operation.limit));
        assertSameOutcome(actual, expected, (a, e) => {
          assert.deepEqual(itemsOf(a.items), itemsOf(e), 'list, paged through');
          assert.equal(
            a.pages,
            Math.max(1, Math.ceil(e.length / operation.limit)),
            'number of pages: a cursor exactly when more items follow',
          );
        });
        checkEvictions();
        return;
      }
      case 'stats': {
        const expected = modelOutcome(() => model.stats(modelNow()));
        const actual = await storeOutcome(() => store.stats());
        assertSameOutcome(actual, expected, (a, e) => assert.deepEqual(statsOf(a), statsOf(e), 'stats'));
        checkEvictions();
        return;
      }
      case 'clear': {
        const expected = modelOutcome(() => model.clear(modelNow()));
        const actual = await storeOutcome(() => store.clear());
        assertSameOutcome(actual, expected, () => {});
        checkEvictions();
        return;
      }
    }
  };

  try {
    for (const [index, operation] of scenario.operations.entries()) {
      try {
        await step(operation);
      } catch (error) {
        throw new assert.AssertionError({
          message: `operation #${index} ${JSON.stringify(operation)}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
    try {
      assert.deepEqual(statsOf(await store.stats()), statsOf(model.stats(modelNow())), 'stats');
      assert.deepEqual(itemsOf((await pageThrough(store, 1000)).items), itemsOf(model.list(modelNow())), 'list');
      checkEvictions();
    } catch (error) {
      throw new assert.AssertionError({ message: `after the last operation: ${error instanceof Error ? error.message : String(error)}` });
    }
  } finally {
    await store.close();
  }
}

/** Every item of `list`, page by page, and how many pages it took. */
async function pageThrough(store: ConversationStore, limit: number): Promise<{ items: ConversationSummary[]; pages: number }> {
  const items: ConversationSummary[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 1000; pages++) {
    const page = await store.list(cursor === undefined ? { limit } : { limit, cursor });
    assert.ok(page.items.length <= limit, `a page of at most ${limit} items`);
    items.push(...page.items);
    if (page.cursor === undefined) return { items, pages };
    cursor = page.cursor;
  }
  assert.fail('paging never ended');
}

/**
 * Registers the model-based property test: random sequences of operations run against a fresh
 * store and the {@link ReferenceModel}, every result compared. fast-check is loaded only here, so
 * the rest of the suite runs without it; a failure prints the shrunk sequence.
 */
export function modelPropertyTests(target: ResolvedTarget): void {
  group(target, 'model-based property test', () => {
    const skip = target.propertyRuns === 0 ? 'propertyRuns is 0' : undefined;
    target.registrar.test(
      `random operation sequences agree with the reference model (${target.propertyRuns} runs, seed ${target.propertySeed})`,
      { timeoutMs: target.timeoutMs * 10, skip },
      async () => {
        const fc: FastCheck = await importPeer(
          'fast-check',
          'The conformance property test',
          () => import('fast-check'),
          'npm install --save-dev fast-check (or set propertyRuns: 0)',
        );
        await fc.assert(
          fc.asyncProperty(scenarioArbitrary(fc, target), (scenario) => runScenario(target, scenario)),
          { numRuns: target.propertyRuns, seed: target.propertySeed },
        );
      },
    );
  });
}
