import { invalidOptionError } from '../core/errors.js';
import { integerOption, optionKeys, resolveStoreOptions, type ResolvedBackendOptions, type StoreOptions } from '../core/options.js';

/**
 * What the `driver` option accepts: better-sqlite3's default export (`import Database from
 * 'better-sqlite3'`). Typed loosely on purpose, so turnstore's public types do not depend on
 * `@types/better-sqlite3`, which better-sqlite3 users may not have installed.
 */
export type SqliteDriver = abstract new (filename: string, ...rest: never[]) => object;

/** Options of {@link SqliteStore}: the shared ones of every store, plus where and how to keep the file. */
export interface SqliteStoreOptions extends StoreOptions {
  /**
   * The database file; created (with its folder's permissions) when absent. Give every process
   * that should share the memory the same path. `':memory:'` keeps a private in-memory database.
   * @example
   * ```ts
   * new SqliteStore({ path: '/var/lib/mybot/memory.db' })
   * ```
   */
  readonly path: string;
  /**
   * How hard SQLite works to make a commit durable (`PRAGMA synchronous`, in WAL mode).
   * `'normal'`: a write acknowledged survives a crash of the process; a power cut or an OS crash
   * may lose the last writes before it (the file stays consistent). `'full'`: every acknowledged
   * write also survives a power cut, at the price of one fsync per write.
   * @default 'normal'
   */
  readonly synchronous?: 'normal' | 'full';
  /**
   * How long a call waits for another process holding the write lock before it rejects with
   * `TURNSTORE_BACKEND_UNAVAILABLE` (`PRAGMA busy_timeout`). better-sqlite3 is synchronous, so the
   * wait blocks this process's event loop: keep it short in a server. Integer ms ≥ 0.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * The better-sqlite3 module to use (`import Database from 'better-sqlite3'`), for bundlers or
   * package layouts where turnstore cannot `require` it itself. Without it, turnstore loads
   * better-sqlite3 on first use.
   */
  readonly driver?: SqliteDriver;
}

/** {@link SqliteStoreOptions} with every default applied. */
export type ResolvedSqliteOptions = ResolvedBackendOptions<{
  path: string;
  synchronous: 'normal' | 'full';
  busyTimeoutMs: number;
  driver: SqliteDriver | undefined;
}>;

const OWNER = 'SqliteStore';

/** The options SqliteStore adds to the shared ones. */
export const SQLITE_OPTION_KEYS = optionKeys<Omit<SqliteStoreOptions, keyof StoreOptions>>({
  path: true,
  synchronous: true,
  busyTimeoutMs: true,
  driver: true,
});

/** SQLite's own limit on `busy_timeout` (a signed 32-bit count of milliseconds). */
const MAX_BUSY_TIMEOUT_MS = 2_147_483_647;

function invalid(option: string, rule: string, value: unknown) {
  return invalidOptionError({ owner: OWNER, option, problem: `must be ${rule}`, value });
}

/**
 * Validates the options of SqliteStore, the shared ones through the core (which also refuses
 * unknown keys), and applies the defaults. Throws `TURNSTORE_INVALID_OPTION` naming the option.
 */
export function resolveSqliteOptions(options: unknown): ResolvedSqliteOptions {
  const { store, raw } = resolveStoreOptions(options, { owner: OWNER, ownKeys: SQLITE_OPTION_KEYS });
  const { path, synchronous = 'normal', driver } = raw;
  if (typeof path !== 'string' || path.trim().length === 0) throw invalid('path', 'a non-empty string (the database file)', path);
  if (path.includes('\u0000')) throw invalid('path', 'a file path without NUL characters', path);
  if (synchronous !== 'normal' && synchronous !== 'full') throw invalid('synchronous', "'normal' or 'full'", synchronous);
  if (driver !== undefined && typeof driver !== 'function') throw invalid('driver', "better-sqlite3's default export (a class)", driver);
  const busyTimeoutMs = integerOption(raw, OWNER, 'busyTimeoutMs', 5000, 0, MAX_BUSY_TIMEOUT_MS);
  return { store, path, synchronous, busyTimeoutMs, driver: driver as SqliteDriver | undefined };
}
