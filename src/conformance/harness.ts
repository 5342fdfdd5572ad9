import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurnstoreError, type TurnstoreErrorCode } from '../core/errors.js';
import type { StoreOptions } from '../core/options.js';
import type { ConversationStore, ConversationSummary, EvictionReason, StoreStats, Turn } from '../core/types.js';
import type { ResolvedTarget } from './target.js';

/**
 * Where the fake clock starts: a realistic Unix time in milliseconds, so the `ts` a store derives
 * from it looks like one a real clock would give (and a store that mixes in `Date.now()` shows up).
 */
export const FAKE_CLOCK_START_MS = 1_700_000_000_000;

/** TTL used by expiry tests against the fake clock; any value works, since time only moves by hand. */
const FAKE_CLOCK_TTL_SECONDS = 60;

/**
 * How far a real-clock store's `ts` may stray from this process's clock: the store may take time
 * from another machine (the Redis server), whose clock is only roughly in step with ours.
 */
const REAL_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Idle time, as a fraction of the TTL, after which tests expect a conversation still alive
 * ({@link STILL_ALIVE}) and after which they expect it gone ({@link EXPIRED}). With a real clock
 * (TTL 1 s) that leaves 400 ms and 300 ms of margin for slow round trips and timers that fire
 * late; with the fake clock any fraction is exact.
 */
export const STILL_ALIVE = 0.6;
/** See {@link STILL_ALIVE}. */
export const EXPIRED = 1.3;

/**
 * The longest delay (a store call, or a timer firing late), as a fraction of the TTL, that a
 * real-clock test can absorb without its margins (0.3 and 0.4 of the TTL, above) being in doubt.
 * A test that fails after a longer one is run again once, since the failure may be the machine's
 * stall rather than the store's; a failure with no such delay, or a second one, is reported.
 */
const STALL_FRACTION = 0.1;

/** One `onEvict` call as recorded by the harness. */
export type EvictionCall = readonly [id: string, reason: EvictionReason];

/** `stats()` reduced to the fields SPEC §3 requires, so stores may report extra fields. */
export type CoreStats = Pick<StoreStats, 'conversations' | 'turns' | 'bytes'> & { evictions: { ttl: number; lru: number; bytes: number } };

/** What a test may need from the target; tests whose needs are not met are reported as skipped. */
export interface TestNeeds {
  /** The test drives time to the millisecond (clock `'injected'`). */
  readonly injectedClock?: boolean;
  /** The test checks `maxTotalBytes` (`enforcesTotalBytes`). */
  readonly totalBytes?: boolean;
  /** The test counts TTL evictions exactly (`exactEvictionCounts`). */
  readonly exactEvictionCounts?: boolean;
}

/**
 * Per-test helper: opens stores with the suite's clock and eviction recorder, moves time, and
 * closes everything it opened when the test ends, pass or fail.
 */
export class Harness {
  /** The target under test, defaults applied. */
  readonly target: ResolvedTarget;
  /** Every `onEvict` call of stores opened with the recording listener, in order. */
  readonly evictions: EvictionCall[] = [];
  readonly #stores: ConversationStore[] = [];
  #clockMs = FAKE_CLOCK_START_MS;
  #slowestMs = 0;
  #slowestWhat = 'nothing';

  constructor(target: ResolvedTarget) {
    this.target = target;
  }

  /** Whether time is driven by hand (exact) rather than waited for. */
  get injectedClock(): boolean {
    return this.target.clock === 'injected';
  }

  /** TTL in seconds for expiry tests: short with a real clock, so waiting past it is cheap. */
  get ttlSeconds(): number {
    return this.injectedClock ? FAKE_CLOCK_TTL_SECONDS : this.target.realClockTtlSeconds;
  }

  /** {@link ttlSeconds} in milliseconds. */
  get ttlMs(): number {
    return this.ttlSeconds * 1000;
  }

  /** The fake clock's reading in ms. Only meaningful with an injected clock. */
  get nowMs(): number {
    return this.#clockMs;
  }

  /**
   * Lets `ms` milliseconds pass: moves the fake clock, or really sleeps with a real one. TTL tests
   * are written once against this and keep wide margins, so both ways agree.
   */
  async advance(ms: number): Promise<void> {
    if (this.injectedClock) {
      this.#clockMs += ms;
      return;
    }
    const start = performance.now();
    await sleep(Math.ceil(ms));
    this.#noteDelay(performance.now() - start - ms, `a ${Math.ceil(ms)} ms sleep ending late`);
  }

  /** The longest delay seen with a real clock (store call or late timer), in ms, and what it was. */
  get slowest(): { readonly ms: number; readonly what: string } {
    return { ms: this.#slowestMs, what: this.#slowestWhat };
  }

  /** Whether a delay long enough to eat a real-clock test's margins was seen (see {@link STALL_FRACTION}). */
  get stalled(): boolean {
    return !this.injectedClock && this.#slowestMs > STALL_FRACTION * this.ttlMs;
  }

  #noteDelay(ms: number, what: string): void {
    if (ms > this.#slowestMs) {
      this.#slowestMs = ms;
      this.#slowestWhat = what;
    }
  }

  /** With a real clock, `store` with every method call timed (for {@link stalled}); as it is otherwise. */
  #timed(store: ConversationStore): ConversationStore {
    if (this.injectedClock) return store;
    return new Proxy(store, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const start = performance.now();
          const result: unknown = Reflect.apply(value, target, args);
          if (!(result instanceof Promise)) return result;
          const note = () => this.#noteDelay(performance.now() - start, `${String(property)}()`);
          return result.then(
            (settled: unknown) => {
              note();
              return settled;
            },
            (error: unknown) => {
              note();
              throw error;
            },
          );
        };
      },
    });
  }

  /** Lets `fraction` of {@link ttlMs} pass (see {@link STILL_ALIVE} for the margins). */
  idle(fraction: number): Promise<void> {
    return this.advance(Math.round(this.ttlMs * fraction));
  }

  /**
   * Opens a fresh store through the target's factory. Adds the fake clock (injected targets) and a
   * recording `onEvict` unless `options` brings its own; the store is closed after the test.
   */
  async open(options: StoreOptions = {}): Promise<ConversationStore> {
    const store = await this.target.create({
      ...(this.injectedClock ? { now: () => this.#clockMs } : {}),
      onEvict: (id, reason) => {
        this.evictions.push([id, reason]);
      },
      ...options,
    });
    this.#stores.push(store);
    return this.#timed(store);
  }

  /**
   * Closes every store this harness opened. Closing twice is allowed by SPEC §3, so stores a test
   * already closed are closed again on purpose.
   */
  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const store of this.#stores.splice(0)) {
      try {
        await store.close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'closing a store failed');
  }

  /**
   * Checks a `ts` (or `lastAccess`) the store stamped during a call made between `beforeMs` and
   * `afterMs` of this process's clock: exactly the fake clock's ms / 1000 when injected, near our
   * own clock otherwise.
   */
  assertStamp(seconds: number, beforeMs: number, afterMs: number, what = 'ts'): void {
    assert.equal(typeof seconds, 'number', `${what} must be a number`);
    assert.ok(Number.isFinite(seconds), `${what} must be finite; got ${seconds}`);
    if (this.injectedClock) {
      assert.equal(seconds, beforeMs / 1000, `${what} must be the injected clock's ms / 1000`);
    } else {
      assert.ok(
        seconds >= beforeMs / 1000 - REAL_CLOCK_TOLERANCE_SECONDS && seconds <= afterMs / 1000 + REAL_CLOCK_TOLERANCE_SECONDS,
        `${what} ${seconds} must be Unix time in seconds, near ${afterMs / 1000}`,
      );
    }
  }

  /** This process's notion of now for {@link assertStamp}: the fake clock, or `Date.now()`. */
  clockForStamp(): number {
    return this.injectedClock ? this.#clockMs : Date.now();
  }
}

/**
 * Registers a group of tests with the suite's runner. Against a real clock, under `node:test`, a
 * group runs its tests concurrently: most of their time is spent sleeping past TTLs, and each test
 * has its own stores.
 */
export function group(target: ResolvedTarget, name: string, body: () => void): void {
  target.registrar.group(name, target.clock === 'real', body);
}

/** Why a test cannot run against `target`, or undefined when it can. */
function skipReason(target: ResolvedTarget, needs: TestNeeds): string | undefined {
  if (needs.injectedClock && target.clock !== 'injected') return 'needs an injected clock (exact time)';
  if (needs.totalBytes && !target.enforcesTotalBytes) return 'the store treats maxTotalBytes as advisory';
  if (needs.exactEvictionCounts && !target.exactEvictionCounts) return 'the store does not count TTL evictions exactly';
  return undefined;
}

/**
 * Registers one conformance test with the suite's runner: a fresh {@link Harness}, closed afterwards even
 * when the test fails (a failure of the test wins over a failure to close). With a real clock, a test
 * that fails after a stall (see {@link STALL_FRACTION}) runs once more with a fresh harness.
 */
export function conformanceTest(
  target: ResolvedTarget,
  name: string,
  body: (harness: Harness) => Promise<void>,
  needs: TestNeeds = {},
): void {
  const skip = skipReason(target, needs);
  const realClock = target.clock === 'real';
  // A real-clock test may run twice (see STALL_FRACTION), so it gets twice the time.
  target.registrar.test(name, { timeoutMs: realClock ? 2 * target.timeoutMs : target.timeoutMs, skip }, async () => {
    const first = await attempt(target, body);
    if (first === undefined) return;
    if (!first.harness.stalled) throw first.error;
    const { ms, what } = first.harness.slowest;
    const second = await attempt(target, body);
    if (second === undefined) return;
    throw new Error(
      `failed twice; the first attempt saw a ${Math.round(ms)} ms delay (${what}), the second ${Math.round(second.harness.slowest.ms)} ms (${second.harness.slowest.what}), against a TTL of ${target.realClockTtlSeconds} s`,
      { cause: second.error },
    );
  });
}

/**
 * Runs `body` once with a fresh {@link Harness}, closed afterwards even when the test fails (a
 * failure of the test wins over a failure to close); the failure, if any, with its harness.
 */
async function attempt(
  target: ResolvedTarget,
  body: (harness: Harness) => Promise<void>,
): Promise<{ readonly error: unknown; readonly harness: Harness } | undefined> {
  const harness = new Harness(target);
  let failure: { error: unknown } | undefined;
  try {
    await body(harness);
  } catch (error) {
    failure = { error };
  }
  try {
    await harness.closeAll();
  } catch (error) {
    if (failure === undefined) failure = { error };
  }
  return failure === undefined ? undefined : { error: failure.error, harness };
}

/**
 * Asserts that `action` returns a promise rejecting with a {@link TurnstoreError} of `code`.
 * A synchronous throw fails: SPEC §3 makes every store method async, so callers only ever need
 * `.catch`. `mentions`, when given, must appear in the message (options are named in errors).
 */
export async function assertRejects(action: () => unknown, code: TurnstoreErrorCode, mentions?: string): Promise<TurnstoreError> {
  let result: unknown;
  try {
    result = action();
  } catch (error) {
    assert.fail(`expected a rejected promise (${code}), but the call threw synchronously: ${String(error)}`);
  }
  assert.ok(
    result instanceof Promise || (typeof result === 'object' && result !== null && 'then' in result),
    `expected a promise rejecting with ${code}; got ${String(result)}`,
  );
  return assertRejectsAsync(result as Promise<unknown>, code, mentions);
}

/** Like {@link assertRejects}, for work that may also throw synchronously (constructors, factories). */
export async function assertRejectsAsync(
  work: Promise<unknown> | (() => unknown),
  code: TurnstoreErrorCode,
  mentions?: string,
): Promise<TurnstoreError> {
  let caught: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected a rejection with ${code}, but the call succeeded`);
  assert.ok(caught instanceof TurnstoreError, `expected a TurnstoreError ${code}; got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}; got ${caught.code}: ${caught.message}`);
  if (mentions !== undefined)
    assert.ok(caught.message.includes(mentions), `the message should name ${JSON.stringify(mentions)}: ${caught.message}`);
  return caught;
}

/**
 * Every live conversation, following cursors page by page (`list` never touches, so this is safe
 * to call anywhere). Fails rather than loops should a store hand out cursors forever.
 */
export async function listAll(store: ConversationStore, limit = 1000): Promise<ConversationSummary[]> {
  const items: ConversationSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await store.list(cursor === undefined ? { limit } : { limit, cursor });
    items.push(...result.items);
    if (result.cursor === undefined) return items;
    assert.equal(typeof result.cursor, 'string', 'cursor must be a string when present');
    cursor = result.cursor;
  }
  assert.fail('list kept returning cursors: paging never ended');
}

/** The required fields of `stats()`, so extra fields a backend reports do not fail comparisons. */
export async function coreStats(store: ConversationStore): Promise<CoreStats> {
  const stats = await store.stats();
  return {
    conversations: stats.conversations,
    turns: stats.turns,
    bytes: stats.bytes,
    evictions: { ttl: stats.evictions.ttl, lru: stats.evictions.lru, bytes: stats.evictions.bytes },
  };
}

/**
 * Everything observable without touching anything: size, stats and the full listing (with turns
 * and lastAccess, in recency order). Two equal snapshots mean nothing changed, recency and TTL
 * included.
 */
export async function snapshot(store: ConversationStore): Promise<{ size: number; stats: CoreStats; listing: ConversationSummary[] }> {
  return { size: await store.size(), stats: await coreStats(store), listing: await listAll(store) };
}

/** The contents of some turns, for compact assertions. */
export function contents(turns: readonly Turn[]): string[] {
  return turns.map((turn) => turn.content);
}

/** The ids of a listing, for compact assertions. */
export function ids(listing: readonly ConversationSummary[]): string[] {
  return listing.map((item) => item.id);
}

/** For `.catch`: rethrows an assertion failure prefixed with which case of a loop it was. */
export function explain(what: string): (error: unknown) => never {
  return (error) => {
    throw new assert.AssertionError({ message: `${what}: ${error instanceof Error ? error.message : String(error)}` });
  };
}

/** What a race of appends, pops and replacements on one conversation did, for {@link assertNoTurnLostOrDoubled}. */
export interface RaceRecord {
  /** The contents of every turn appended (each unique), the seed included. */
  readonly appended: readonly string[];
  /** The contents of the turns `pop` returned. */
  readonly popped: readonly string[];
  /** The contents the conversation holds at the end. */
  readonly kept: readonly string[];
  /** How many turns replacements removed: each removed exactly one (the conversation was never empty). */
  readonly replaced: number;
}

/**
 * Fails unless a race lost and doubled nothing: no turn popped twice, held twice, or both popped
 * and held; nothing popped or held that was never appended; and exactly `replaced` appended turns
 * neither popped nor held (the ones the replacements removed), so a lost append shows as one too many.
 * The multi-process tests use it too.
 */
export function assertNoTurnLostOrDoubled(race: RaceRecord): void {
  const appended = new Set(race.appended);
  assert.equal(appended.size, race.appended.length, 'the test appends unique contents');
  assert.equal(new Set(race.popped).size, race.popped.length, `a turn popped twice: ${JSON.stringify(race.popped)}`);
  assert.equal(new Set(race.kept).size, race.kept.length, `a turn held twice: ${JSON.stringify(race.kept)}`);
  for (const content of race.popped) assert.ok(!race.kept.includes(content), `${content} was popped yet is still held`);
  for (const content of [...race.popped, ...race.kept]) assert.ok(appended.has(content), `${content} was never appended`);
  const missing = race.appended.filter((content) => !race.popped.includes(content) && !race.kept.includes(content));
  assert.equal(missing.length, race.replaced, `turns neither popped nor held (replaced, or lost): ${JSON.stringify(missing)}`);
}
