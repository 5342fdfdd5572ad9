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
import type { PostgresPoolLike } from './driver.js';

/** The options of {@link PostgresStore} beside the shared ones of SPEC §2. */
export interface PostgresStoreOptions extends StoreOptions {
  /**
   * Where PostgreSQL is, as `postgres[ql]://[user[:password]@]host[:port]/database[?…]`. The
   * store then creates and owns a `pg` pool (pg loaded on first use), and `close()` ends it.
   * Give either `connectionString` or `pool`, not both.
   * @example 'postgres://bot@db.internal:5432/bot'
   */
  readonly connectionString?: string;
  /**
   * A `pg` `Pool` you created. You own it: `close()` leaves it open, and you listen to its
   * `'error'` events. Its own timeouts apply; `commandTimeoutMs` still bounds every call.
   */
  readonly pool?: PostgresPoolLike;
  /**
   * The schema holding the store's tables and functions; created when absent. A PostgreSQL
   * identifier: a letter or `_`, then letters, digits or `_`, at most 63 characters.
   * @default 'public'
   */
  readonly schema?: string;
  /**
   * Starts the name of every table, index, sequence and function of the store, so several stores
   * can share one schema and never see each other's data. A letter or `_`, then letters, digits or
   * `_`, at most 32 characters.
   * @default 'turnstore_'
   */
  readonly tablePrefix?: string;
  /**
   * Most milliseconds a call waits — for a connection, a lock, or the reply — before it rejects
   * with `TURNSTORE_BACKEND_UNAVAILABLE`. Integer from 1 to 600000.
   * @default 2000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Not supported: a PostgresStore takes time from the database server (`clock_timestamp()`
   * inside its functions), so that every app host sharing the data agrees on it. Passing `now`
   * throws `TURNSTORE_INVALID_OPTION`. (Typed as the shared option, so one options object can serve
   * every store; only its absence is accepted.)
   */
  readonly now?: StoreOptions['now'];
}

/** The default of {@link PostgresStoreOptions.schema}. */
export const DEFAULT_SCHEMA = 'public';
/** The default of {@link PostgresStoreOptions.tablePrefix}. */
export const DEFAULT_TABLE_PREFIX = 'turnstore_';
/** The default of {@link PostgresStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

const OWNER = 'PostgresStore';

const POSTGRES_KEYS = optionKeys<Omit<PostgresStoreOptions, keyof StoreOptions>>({
  connectionString: true,
  pool: true,
  schema: true,
  tablePrefix: true,
  commandTimeoutMs: true,
});

// Identifiers are checked to plain characters and still always double-quoted in SQL, so they
// can never be SQL text; PostgreSQL's identifier limit is 63 bytes, and the prefix leaves room for
// the longest suffix (`conversations_by_last_access`).
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** {@link PostgresStoreOptions} checked, with defaults applied. */
export type ResolvedPostgresOptions = ResolvedBackendOptions<{
  connectionString: string | undefined;
  pool: PostgresPoolLike | undefined;
  schema: string;
  tablePrefix: string;
  commandTimeoutMs: number;
}>;

const invalid = optionErrorsOf(OWNER);

/**
 * Checks the options of a PostgresStore: the shared ones through `resolveStoreOptions`, the
 * PostgreSQL ones here. Throws `TURNSTORE_INVALID_OPTION` naming the option.
 */
export function resolvePostgresOptions(options: unknown): ResolvedPostgresOptions {
  const { store, raw } = resolveStoreOptions(options, {
    owner: OWNER,
    ownKeys: POSTGRES_KEYS,
    unsupported: {
      now: 'it takes time from the database server (clock_timestamp() inside its functions), so that every app host sharing the data agrees on it',
    },
  });
  requireOneOf(OWNER, raw, 'connectionString', 'pool', 'where the PostgreSQL server is, or a pg Pool to use');
  const { connectionString, pool } = raw;
  if (connectionString !== undefined) checkConnectionUrl(OWNER, 'connectionString', connectionString, ['postgres:', 'postgresql:']);
  if (
    pool !== undefined &&
    (pool === null ||
      typeof pool !== 'object' ||
      typeof (pool as { query?: unknown }).query !== 'function' ||
      typeof (pool as { connect?: unknown }).connect !== 'function')
  ) {
    throw invalid('pool', 'must be a pg Pool (with query and connect methods)', pool);
  }
  const schema = raw.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw invalid('schema', 'must be a letter or "_" followed by letters, digits or "_", at most 63 characters', schema);
  }
  const tablePrefix = raw.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (typeof tablePrefix !== 'string' || !PREFIX_PATTERN.test(tablePrefix)) {
    throw invalid('tablePrefix', 'must be a letter or "_" followed by letters, digits or "_", at most 32 characters', tablePrefix);
  }
  const commandTimeoutMs = integerOption(raw, OWNER, 'commandTimeoutMs', DEFAULT_COMMAND_TIMEOUT_MS, 1, 600_000);
  return {
    store,
    connectionString: connectionString as string | undefined,
    pool: pool as PostgresPoolLike | undefined,
    schema,
    tablePrefix,
    commandTimeoutMs,
  };
}
