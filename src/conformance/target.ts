import type { SuiteRegistrar } from './runner.js';
import { checkOptions, optionErrorsOf, optionKeys, type StoreOptions } from '../core/options.js';
import type { ConversationStore } from '../core/types.js';

/**
 * How a store's clock can be driven by the conformance suite.
 *
 * - `'injected'`: the store honours the `now` option (milliseconds). The suite passes a fake clock
 *   and moves it by hand, so TTL tests are exact (down to the millisecond boundary) and never sleep.
 * - `'real'`: the store takes time from somewhere the suite cannot move (RedisStore uses the Redis
 *   server's clock). The suite never passes `now`, uses short TTLs and really waits past them, with
 *   margins wide enough not to be flaky; boundary tests that need an exact clock are skipped.
 */
export type ConformanceClock = 'injected' | 'real';

/**
 * A backend under test: what {@link runConformanceSuite} needs to create its stores.
 *
 * @example
 * ```ts
 * import { runConformanceSuite } from 'turnstore/conformance';
 * import { MemoryStore } from 'turnstore';
 * runConformanceSuite({ name: 'MemoryStore', create: (options) => new MemoryStore(options), clock: 'injected' });
 * ```
 */
export interface ConformanceTarget {
  /** Shown in the test report, e.g. `'MemoryStore'` or `'RedisStore (cluster)'`. */
  readonly name: string;
  /**
   * Creates a fresh, EMPTY store with the given shared options (caps, `now`, `onEvict`), adding
   * whatever the backend needs itself (a temporary file, a unique Redis prefix). Called many times;
   * the suite closes every store it gets. Invalid options may throw here or reject: both count.
   */
  readonly create: (options: StoreOptions) => ConversationStore | Promise<ConversationStore>;
  /** Whether the store honours an injected `now` clock; see {@link ConformanceClock}. */
  readonly clock: ConformanceClock;
  /**
   * Whether the store enforces `maxTotalBytes`. Every turnstore store does (SPEC §2); a store of
   * your own that cannot may say so here: then byte-budget tests are skipped and the suite never
   * sets it.
   * @default true
   */
  readonly enforcesTotalBytes?: boolean;
  /**
   * Whether `stats().evictions.ttl` and `onEvict(id, 'ttl')` are exact: one per expired
   * conversation, reported by the time any later call returns. Set it false for a store whose
   * backend expires data by itself and cannot tell when (all three of ours count exactly: the
   * RedisStore finds expired conversations through its recency index, even after Redis dropped
   * their keys); the suite then still checks that expired conversations vanish, and still checks
   * `'lru'` and `'bytes'` counts exactly.
   * @default true
   */
  readonly exactEvictionCounts?: boolean;
  /**
   * Runs of the model-based property test (random operation sequences compared with a reference
   * model). Lower it for slow backends; 0 skips the property test.
   * @default 200
   */
  readonly propertyRuns?: number;
  /**
   * Seed of the property test, so a failure seen once can be replayed. Fixed by default, so every
   * run checks the same sequences; pass another to explore.
   * @default 20240611
   */
  readonly propertySeed?: number;
  /**
   * Time limit of each test in milliseconds (the property test gets ten times as much). Raise it
   * for backends with slow round trips.
   * @default 20000
   */
  readonly timeoutMs?: number;
  /**
   * With a real clock: the TTL, in seconds, of the tests that wait for expiry. They check a
   * conversation is still there after 0.6 of it and gone after 1.3 of it, so the margins are 0.4
   * and 0.3 of this; raise it for a backend whose calls can take longer than that on a busy
   * machine (each expiry test then waits longer).
   * @default 1
   */
  readonly realClockTtlSeconds?: number;
}

/** A {@link ConformanceTarget} with every default applied. */
export interface ResolvedTarget {
  /** The runner its tests are registered with. */
  readonly registrar: SuiteRegistrar;
  readonly name: string;
  readonly create: (options: StoreOptions) => ConversationStore | Promise<ConversationStore>;
  readonly clock: ConformanceClock;
  readonly enforcesTotalBytes: boolean;
  readonly exactEvictionCounts: boolean;
  readonly propertyRuns: number;
  readonly propertySeed: number;
  readonly timeoutMs: number;
  readonly realClockTtlSeconds: number;
}

const OWNER = 'runConformanceSuite, target';
const TARGET_KEYS = optionKeys<ConformanceTarget>({
  name: true,
  create: true,
  clock: true,
  enforcesTotalBytes: true,
  exactEvictionCounts: true,
  propertyRuns: true,
  propertySeed: true,
  timeoutMs: true,
  realClockTtlSeconds: true,
});
const invalid = optionErrorsOf(OWNER);

/** Applies the defaults of {@link ConformanceTarget}, refusing a descriptor that cannot work. */
export function resolveTarget(target: ConformanceTarget, registrar: SuiteRegistrar): ResolvedTarget {
  checkOptions(target, { owner: OWNER, known: TARGET_KEYS });
  if (typeof target.create !== 'function') throw invalid('create', 'must be a function (options) => store', target.create);
  if (target.clock !== 'injected' && target.clock !== 'real') throw invalid('clock', "must be 'injected' or 'real'", target.clock);
  const propertyRuns = target.propertyRuns ?? 200;
  const realClockTtlSeconds = target.realClockTtlSeconds ?? 1;
  if (typeof realClockTtlSeconds !== 'number' || !(realClockTtlSeconds > 0) || !Number.isFinite(realClockTtlSeconds)) {
    throw invalid('realClockTtlSeconds', 'must be a finite number > 0', realClockTtlSeconds);
  }
  if (!Number.isInteger(propertyRuns) || propertyRuns < 0) throw invalid('propertyRuns', 'must be an integer ≥ 0', propertyRuns);
  return {
    registrar,
    name: target.name,
    create: target.create,
    clock: target.clock,
    enforcesTotalBytes: target.enforcesTotalBytes ?? true,
    exactEvictionCounts: target.exactEvictionCounts ?? true,
    propertyRuns,
    propertySeed: target.propertySeed ?? 20240611,
    timeoutMs: target.timeoutMs ?? 20_000,
    realClockTtlSeconds,
  };
}
