import {
  checkConnectionUrl,
  integerOption,
  optionErrorsOf,
  optionKeys,
  requireOneOf,
  resolveStoreOptions,
  type ResolvedBackendOptions,
  type StoreOptions,
} from '../core/options.js';
import type { RedisClientLike, RedisClusterLike } from './connection.js';

/** The options of {@link RedisStore} beside the shared ones of SPEC §2. */
export interface RedisStoreOptions extends StoreOptions {
  /**
   * Where Redis is, as `redis[s]://[[user][:password]@]host[:port][/db]`. The store then creates,
   * connects and owns a node-redis client (loaded on first use), and `close()` closes it.
   * Give either `url` or `client`, not both.
   * @example 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /**
   * A node-redis client (`createClient`), client pool (`createClientPool`) or cluster
   * (`createCluster`) you created and connected. You own it: `close()` leaves it open, and you
   * listen to its `'error'` events. Give either `url` or `client`, not both.
   */
  readonly client?: RedisClientLike | RedisClusterLike;
  /**
   * Names the store's keys, and is their Redis Cluster hash tag: every key is
   * `{<prefix>}:…`, so one store's keys live in one slot. Stores with different prefixes share
   * nothing. A non-empty string of at most 128 characters without `{` or `}`.
   * @default 'turnstore'
   */
  readonly prefix?: string;
  /**
   * Most milliseconds a call waits for Redis — for the connection, a reconnection, or the
   * reply — before it rejects with `TURNSTORE_BACKEND_UNAVAILABLE`. Integer from 1 to 600000.
   * @default 2000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Connections the store opens to Redis when created from `url` (not with `client`: you chose
   * yours). With one, every call runs in the order made, and the appends made in one turn of the
   * event loop all go in one script run. With more, calls on one conversation always take the
   * same connection, so they run in the order they were made; calls on different conversations,
   * and `size`, `stats`, `list` and `clear`, may take different ones, so calls you make without
   * awaiting the earlier ones may run in another order than made, except on the same
   * conversation; each connection's appends go in a script run of their own, and Redis runs one
   * connection's scripts while this process handles another's replies. On the 2-core machine of
   * docs/benchmarks.md one connection did more appends with 16 callers (every caller's append in
   * each run); more may pay where the app, not Redis, is the limit. One exception either way:
   * right after Redis lost its script cache (a restart, `SCRIPT FLUSH`, a failover), a call whose
   * script is not cached is sent again in full, after any later call whose script was, so calls
   * made without awaiting the earlier ones may then run out of order. Integer from 1 to 16.
   * @default 1
   */
  readonly connections?: number;
  /**
   * Not supported: a RedisStore takes time from the Redis server (`TIME` inside its scripts), so
   * that every app instance sharing the data agrees on it. Passing `now` throws
   * `TURNSTORE_INVALID_OPTION`. (Typed as the shared option, so one options object can serve every
   * store; only its absence is accepted.)
   */
  readonly now?: StoreOptions['now'];
}

/** The default of {@link RedisStoreOptions.prefix}. */
export const DEFAULT_PREFIX = 'turnstore';
/** The default of {@link RedisStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
/** The default of {@link RedisStoreOptions.connections}. */
export const DEFAULT_CONNECTIONS = 1;
/** Longest prefix, in UTF-16 code units. */
export const MAX_PREFIX_LENGTH = 128;

const OWNER = 'RedisStore';

const REDIS_KEYS = optionKeys<Omit<RedisStoreOptions, keyof StoreOptions>>({
  url: true,
  client: true,
  prefix: true,
  commandTimeoutMs: true,
  connections: true,
});

/** {@link RedisStoreOptions} checked, with defaults applied. */
export type ResolvedRedisOptions = ResolvedBackendOptions<{
  url: string | undefined;
  client: RedisClientLike | RedisClusterLike | undefined;
  prefix: string;
  commandTimeoutMs: number;
  /** Connections to open from `url`; 1 with `client`. */
  connections: number;
}>;

const invalid = optionErrorsOf(OWNER);

/**
 * Checks the options of a RedisStore: the shared ones through `resolveStoreOptions`, the Redis
 * ones here. Throws `TURNSTORE_INVALID_OPTION` naming the option.
 */
export function resolveRedisOptions(options: unknown): ResolvedRedisOptions {
  const { store, raw } = resolveStoreOptions(options, {
    owner: OWNER,
    ownKeys: REDIS_KEYS,
    unsupported: {
      now: 'it takes time from the Redis server (TIME inside its scripts), so that every app instance sharing the data agrees on it',
    },
  });

  requireOneOf(OWNER, raw, 'url', 'client', 'where the Redis server is, or a node-redis client to use');
  const { url, client } = raw;
  if (url !== undefined) checkConnectionUrl(OWNER, 'url', url, ['redis:', 'rediss:']);
  if (client !== undefined) checkClient(client);

  const prefix = raw.prefix === undefined ? DEFAULT_PREFIX : raw.prefix;
  if (
    typeof prefix !== 'string' ||
    prefix.length === 0 ||
    prefix.length > MAX_PREFIX_LENGTH ||
    /[{}]/.test(prefix) ||
    !prefix.isWellFormed()
  ) {
    throw invalid(
      'prefix',
      `must be a non-empty string of at most ${MAX_PREFIX_LENGTH} characters without "{" or "}" (it becomes the Redis Cluster hash tag)`,
      prefix,
    );
  }
  const commandTimeoutMs = integerOption(raw, OWNER, 'commandTimeoutMs', DEFAULT_COMMAND_TIMEOUT_MS, 1, 600_000);
  if (client !== undefined && raw.connections !== undefined) {
    throw invalid('connections', 'applies only with "url": with "client" the store uses the client you gave');
  }
  const connections = integerOption(raw, OWNER, 'connections', DEFAULT_CONNECTIONS, 1, 16);
  return {
    store,
    url: url as string | undefined,
    client: client as RedisClientLike | RedisClusterLike | undefined,
    prefix,
    commandTimeoutMs,
    connections: client === undefined ? connections : 1,
  };
}

function checkClient(client: unknown): void {
  if (client === null || typeof client !== 'object' || typeof (client as { sendCommand?: unknown }).sendCommand !== 'function') {
    throw invalid('client', 'must be a node-redis client, client pool or cluster (with a sendCommand method)', client);
  }
}
