import { TurnstoreError } from './errors.js';
import type { EvictionListener } from './types.js';

/** Options every store accepts (SPEC §2). */
export interface StoreOptions {
  /**
   * Newest turns kept per conversation; older ones are dropped on append. Integer ≥ 1.
   * @default 8
   */
  readonly maxTurns?: number;
  /**
   * Seconds a conversation may stay idle (no `get` hit, no append) before it is forgotten.
   * Finite number ≥ 0; `0` means never.
   * @default 3600
   */
  readonly ttlSeconds?: number;
  /**
   * Most live conversations; appending a new one past it evicts the least recently used. Integer ≥ 1.
   * @default 500
   */
  readonly maxConversations?: number;
  /**
   * Most UTF-8 bytes in one turn: its content plus the JSON text of its extra fields (tool calls,
   * tool call id, attachments, metadata) as stored; a larger turn is refused. Integer ≥ 1.
   * @default 65536
   */
  readonly maxTurnBytes?: number;
  /**
   * Most UTF-8 bytes held in all conversations, each turn counted as for `maxTurnBytes`; least
   * recently used conversations are evicted past it. Integer ≥ `maxTurnBytes`.
   * @default 67108864
   */
  readonly maxTotalBytes?: number;
  /**
   * Clock in milliseconds, for tests that drive time. Without it the memory store measures TTL on a
   * monotonic clock and stamps turns with the wall clock.
   * @default real clocks
   * @example
   * ```ts
   * let now = 0;
   * const store = new MemoryStore({ now: () => now });
   * now += 3_600_001; // one hour and a millisecond later
   * ```
   */
  readonly now?: () => number;
  /** Called with the id and the reason each time a conversation is evicted. */
  readonly onEvict?: EvictionListener;
}

/** {@link StoreOptions} with every default applied. */
export interface ResolvedStoreOptions {
  readonly maxTurns: number;
  readonly ttlSeconds: number;
  readonly maxConversations: number;
  readonly maxTurnBytes: number;
  readonly maxTotalBytes: number;
  readonly now: (() => number) | undefined;
  readonly onEvict: EvictionListener | undefined;
}

/** The defaults of SPEC §2. */
export const DEFAULT_OPTIONS = Object.freeze({
  maxTurns: 8,
  ttlSeconds: 3600,
  maxConversations: 500,
  maxTurnBytes: 65_536,
  maxTotalBytes: 67_108_864,
});

const SHARED_KEYS = ['maxTurns', 'ttlSeconds', 'maxConversations', 'maxTurnBytes', 'maxTotalBytes', 'now', 'onEvict'];

function invalid(name: string, rule: string, value: unknown): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_OPTION', `Option "${name}" must be ${rule}; got ${describe(value)}.`);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Reads an integer option within bounds, or its default when absent. */
export function integerOption(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function functionOption<T>(options: Record<string, unknown>, name: string): T | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(name, 'a function', value);
  return value as T;
}

/**
 * Checks that `options` is a plain options object whose keys are all known, naming the first
 * unknown key. `backendKeys` are the store's own options beside the shared ones.
 */
export function checkOptionKeys(options: unknown, backendKeys: readonly string[] = []): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TurnstoreError('TURNSTORE_INVALID_OPTION', `Options must be an object; got ${describe(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!SHARED_KEYS.includes(key) && !backendKeys.includes(key)) {
      const known = [...SHARED_KEYS, ...backendKeys].join(', ');
      throw new TurnstoreError('TURNSTORE_INVALID_OPTION', `Unknown option "${key}"; known options are ${known}.`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Validates the shared options of SPEC §2 and applies their defaults. Throws
 * `TURNSTORE_INVALID_OPTION` naming the option for anything out of rule, including unknown keys
 * (`backendKeys` lists the store's own options, which the store validates itself).
 */
export function resolveStoreOptions(options: unknown, backendKeys: readonly string[] = []): ResolvedStoreOptions {
  const raw = checkOptionKeys(options, backendKeys);
  const maxTurns = integerOption(raw, 'maxTurns', DEFAULT_OPTIONS.maxTurns, 1);
  const maxConversations = integerOption(raw, 'maxConversations', DEFAULT_OPTIONS.maxConversations, 1);
  const maxTurnBytes = integerOption(raw, 'maxTurnBytes', DEFAULT_OPTIONS.maxTurnBytes, 1);
  const totalFallback = Math.max(DEFAULT_OPTIONS.maxTotalBytes, maxTurnBytes);
  const maxTotalBytes = integerOption(raw, 'maxTotalBytes', totalFallback, 1);
  if (maxTotalBytes < maxTurnBytes) {
    throw invalid('maxTotalBytes', `an integer ≥ maxTurnBytes (${maxTurnBytes})`, maxTotalBytes);
  }
  const ttl = raw.ttlSeconds;
  let ttlSeconds: number = DEFAULT_OPTIONS.ttlSeconds;
  if (ttl !== undefined) {
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) throw invalid('ttlSeconds', 'a finite number ≥ 0', ttl);
    ttlSeconds = ttl;
  }
  return {
    maxTurns,
    ttlSeconds,
    maxConversations,
    maxTurnBytes,
    maxTotalBytes,
    now: functionOption(raw, 'now'),
    onEvict: functionOption(raw, 'onEvict'),
  };
}
