import { describe, invalidOptionError, unknownOptionError, type TurnstoreError } from './errors.js';
import type { ConversationStore, EvictionListener } from './types.js';

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

export { describe };

/** The defaults of SPEC §2. */
export const DEFAULT_OPTIONS = Object.freeze({
  maxTurns: 8,
  ttlSeconds: 3600,
  maxConversations: 500,
  maxTurnBytes: 65_536,
  maxTotalBytes: 67_108_864,
});

/**
 * The keys of an options interface, listed once and checked by the compiler against it: a key
 * missing here or one the interface lacks is a type error, so a checker's list cannot drift from
 * the documented options.
 */
export function optionKeys<Options>(keys: { readonly [Key in keyof Required<Options>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/** What {@link checkOptions} checks: who takes the options and the keys it knows. */
export interface OptionsShape {
  /** The entry point, as messages name it: `'MemoryStore'`, `'createServer'`, `'gptTokenCounter'`. */
  readonly owner: string;
  /** Every option the entry point takes (see {@link optionKeys}). */
  readonly known: readonly string[];
}

/**
 * The one check every public entry point makes of its options object before reading it: an object
 * (or `undefined`, read as `{}`), with no key outside `shape.known` — a misspelt option is refused
 * naming it and listing the known ones, never ignored. Throws `TURNSTORE_INVALID_OPTION`; returns
 * the options to read values from (each value is then checked by the entry point's own rules).
 */
export function checkOptions(options: unknown, shape: OptionsShape): Record<string, unknown> {
  const { owner, known } = shape;
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidOptionError({ owner, problem: `must be an object {${known.join(', ')}}`, value: options });
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw unknownOptionError({ owner, option: key, known });
  }
  return options as Record<string, unknown>;
}

/**
 * `invalidOptionError` bound to one entry point: `invalid(option, problem, value?)`. The value is
 * shown in the message only when passed (leave out what must not be echoed, such as a password).
 */
export function optionErrorsOf(owner: string): (option: string, problem: string, ...value: [unknown?]) => TurnstoreError {
  return (option, problem, ...value) => invalidOptionError({ owner, option, problem, ...(value.length > 0 ? { value: value[0] } : {}) });
}

/**
 * Refuses options that give both, or neither, of the two ways to reach a backend (`"url"` or
 * `"client"`); `whatEachIs` ends the message for neither ("where the server is, or a client to use").
 */
export function requireOneOf(owner: string, raw: Record<string, unknown>, first: string, second: string, whatEachIs: string): void {
  const hasFirst = raw[first] !== undefined;
  const hasSecond = raw[second] !== undefined;
  if (hasFirst && hasSecond) throw invalidOptionError({ owner, problem: `must give one of "${first}" and "${second}", not both` });
  if (!hasFirst && !hasSecond) throw invalidOptionError({ owner, problem: `must give "${first}" or "${second}": ${whatEachIs}` });
}

/**
 * Refuses a connection URL option whose scheme is not one of `protocols` (`['redis:', 'rediss:']`).
 * A string is never echoed in the message: it may hold a password.
 */
export function checkConnectionUrl(owner: string, option: string, value: unknown, protocols: readonly string[]): void {
  let protocol: string | undefined;
  if (typeof value === 'string') {
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = undefined;
    }
  }
  if (protocol !== undefined && protocols.includes(protocol)) return;
  const problem = `must be a ${protocols.map((scheme) => `${scheme}//`).join(' or ')} URL`;
  throw typeof value === 'string'
    ? invalidOptionError({ owner, option, problem: `${problem}; got a string that is not one` })
    : invalidOptionError({ owner, option, problem, value });
}

/** Reads an integer option within bounds, or its default when absent. */
export function integerOption(
  raw: Record<string, unknown>,
  owner: string,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const rule = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw invalidOptionError({ owner, option: name, problem: `must be ${rule}`, value });
  }
  return value;
}

/** Reads a function option, or `undefined` when absent. */
export function functionOption<T>(raw: Record<string, unknown>, owner: string, name: string, rule = 'a function'): T | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidOptionError({ owner, option: name, problem: `must be ${rule}`, value });
  return value as T;
}

/** The keys of {@link StoreOptions}, shared by every store. */
export const STORE_OPTION_KEYS = optionKeys<StoreOptions>({
  maxTurns: true,
  ttlSeconds: true,
  maxConversations: true,
  maxTurnBytes: true,
  maxTotalBytes: true,
  now: true,
  onEvict: true,
});

/**
 * The resolved options of a store with options of its own: the shared ones resolved by
 * {@link resolveStoreOptions} under `store`, beside the backend's own.
 */
export type ResolvedBackendOptions<Own extends object> = { readonly store: ResolvedStoreOptions } & Readonly<Own>;

/** How a store describes its options to {@link resolveStoreOptions}. */
export interface StoreOptionsShape {
  /** The store's class name, for messages. */
  readonly owner: string;
  /** The store's own options, beside the shared ones (see {@link optionKeys}). */
  readonly ownKeys?: readonly string[];
  /** Shared options the store refuses, each with why (a store that takes time from its server refuses `now`). */
  readonly unsupported?: Readonly<Partial<Record<keyof StoreOptions, string>>>;
}

/**
 * Checks a store's options object with {@link checkOptions}, validates the shared options of SPEC §2
 * and applies their defaults; the store reads its own options from `raw`. Throws
 * `TURNSTORE_INVALID_OPTION` naming the option for anything out of rule, unknown keys included.
 */
export function resolveStoreOptions(
  options: unknown,
  shape: StoreOptionsShape,
): { readonly store: ResolvedStoreOptions; readonly raw: Record<string, unknown> } {
  const { owner, ownKeys = [], unsupported = {} } = shape;
  const raw = checkOptions(options, { owner, known: [...STORE_OPTION_KEYS, ...ownKeys] });
  for (const [option, why] of Object.entries(unsupported)) {
    if (raw[option] !== undefined)
      throw invalidOptionError({ owner, option, problem: `is not supported by ${owner}: ${why}`, value: raw[option] });
  }
  const maxTurns = integerOption(raw, owner, 'maxTurns', DEFAULT_OPTIONS.maxTurns, 1);
  const maxConversations = integerOption(raw, owner, 'maxConversations', DEFAULT_OPTIONS.maxConversations, 1);
  const maxTurnBytes = integerOption(raw, owner, 'maxTurnBytes', DEFAULT_OPTIONS.maxTurnBytes, 1);
  const totalFallback = Math.max(DEFAULT_OPTIONS.maxTotalBytes, maxTurnBytes);
  const maxTotalBytes = integerOption(raw, owner, 'maxTotalBytes', totalFallback, 1);
  if (maxTotalBytes < maxTurnBytes) {
    throw invalidOptionError({
      owner,
      option: 'maxTotalBytes',
      problem: `must be an integer ≥ maxTurnBytes (${maxTurnBytes})`,
      value: maxTotalBytes,
    });
  }
  const ttl = raw.ttlSeconds;
  let ttlSeconds: number = DEFAULT_OPTIONS.ttlSeconds;
  if (ttl !== undefined) {
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw invalidOptionError({ owner, option: 'ttlSeconds', problem: 'must be a finite number ≥ 0', value: ttl });
    }
    ttlSeconds = ttl;
  }
  const store: ResolvedStoreOptions = {
    maxTurns,
    ttlSeconds,
    maxConversations,
    maxTurnBytes,
    maxTotalBytes,
    now: functionOption(raw, owner, 'now'),
    onEvict: functionOption(raw, owner, 'onEvict'),
  };
  return { store, raw };
}

/**
 * The `store` option of an entry point that works on a store (`TurnstoreChatMessageHistory`,
 * `TurnstoreSession`, `createServer`): an object with each of `methods`, the store methods the entry
 * point calls. Anything else is `TURNSTORE_INVALID_OPTION` naming `owner` (and the first method
 * missing), so a store written against an older interface is refused at start, not answered with a
 * 500 on the first call of a newer method.
 */
export function checkStoreOption(owner: string, store: unknown, methods: readonly (keyof ConversationStore)[]): ConversationStore {
  const problem = 'must be a turnstore store (MemoryStore, SqliteStore, RedisStore, PostgresStore)';
  if (store === null || typeof store !== 'object') throw invalidOptionError({ owner, option: 'store', problem, value: store });
  const candidate = store as Partial<Record<string, unknown>>;
  const missing = methods.find((method) => typeof candidate[method] !== 'function');
  if (missing !== undefined) throw invalidOptionError({ owner, option: 'store', problem: `${problem}: it has no ${missing} method` });
  return store as ConversationStore;
}
