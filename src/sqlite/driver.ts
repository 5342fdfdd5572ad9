/**
 * Loading better-sqlite3, the optional peer this subpath needs, and turning its errors into
 * turnstore's. Nothing else in turnstore touches the driver, so `import 'turnstore'` never loads it.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { backendUnavailableError, type TurnstoreError } from '../core/errors.js';
import { peerFailure, requirePeer } from '../core/import-peer.js';

// Types from @types/better-sqlite3, for this folder's own use: no public declaration of turnstore
// refers to them, so users need not install those types.

/** The driver's database class. */
export type DatabaseConstructor = typeof BetterSqlite3;
/** An open better-sqlite3 connection. */
export type Database = BetterSqlite3.Database;
/** A prepared better-sqlite3 statement. */
export type Statement<Parameters extends unknown[] | object = unknown[], Row = unknown> = BetterSqlite3.Statement<Parameters, Row>;

/** What to tell someone whose project lacks the driver. */
export const INSTALL_HINT = 'npm install better-sqlite3@12';

const PEER = 'better-sqlite3';
const PURPOSE = 'SqliteStore';

let loaded: DatabaseConstructor | undefined;

/**
 * better-sqlite3, loaded on first use. It is CommonJS, so `require` loads it synchronously from
 * the constructor; resolving from this file finds the copy installed beside turnstore.
 */
export function loadDriver(): DatabaseConstructor {
  if (loaded !== undefined) return loaded;
  loaded = requirePeer(PEER, PURPOSE, () => createRequire(import.meta.url)(PEER) as DatabaseConstructor, INSTALL_HINT);
  return loaded;
}

/**
 * Opens a connection. better-sqlite3 loads its native module at the first open, so an install built
 * for another Node.js version fails here: `TURNSTORE_PEER_LOAD_FAILED`, as when loading the package
 * throws. Anything else (a folder that does not exist, no permission, SQLITE_CANTOPEN) means the
 * file is unusable.
 */
export function openDatabase(driver: DatabaseConstructor, path: string, busyTimeoutMs: number): Database {
  try {
    return new driver(path, { timeout: busyTimeoutMs });
  } catch (error) {
    if (isNativeModuleFailure(error)) throw peerFailure(error, PEER, PURPOSE, INSTALL_HINT);
    throw backendError(error, `could not open ${JSON.stringify(path)}`);
  }
}

/** Whether an error is the `bindings` package or Node failing to load a compiled addon. */
function isNativeModuleFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return code === 'ERR_DLOPEN_FAILED' || /Could not locate the bindings file|NODE_MODULE_VERSION/.test(error.message);
}

/** Whether an error comes from SQLite itself (it carries an `SQLITE_…` code). */
export function isSqliteError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/**
 * Whether an error means the database cannot serve us: any SQLite error (busy beyond the timeout,
 * cannot open, I/O, disk full, corrupt, read-only) or a connection that was closed underneath.
 */
export function isBackendFailure(error: unknown): boolean {
  if (isSqliteError(error)) return true;
  return error instanceof TypeError && /database connection is not open/i.test(error.message);
}

/** Wraps a driver error as `TURNSTORE_BACKEND_UNAVAILABLE`, keeping it as `cause`. */
export function backendError(error: unknown, doing: string): TurnstoreError {
  const code = isSqliteError(error) ? ` (${error.code})` : '';
  const message = error instanceof Error ? error.message : String(error);
  return backendUnavailableError({ backend: 'SQLite', problem: `${doing}${code}: ${message}` }, { cause: error });
}
