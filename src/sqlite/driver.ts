/**
 * Loading better-sqlite3, the optional peer this subpath needs, and turning its errors into
 * turnstore's. Nothing else in turnstore touches the driver, so `import 'turnstore'` never loads it.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { TurnstoreError } from '../core/errors.js';

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

let loaded: DatabaseConstructor | undefined;

/**
 * better-sqlite3, loaded on first use. It is CommonJS, so `require` loads it synchronously from
 * the constructor; resolving from this file finds the copy installed beside turnstore.
 */
export function loadDriver(): DatabaseConstructor {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    throw new TurnstoreError(
      'TURNSTORE_MISSING_PEER',
      `SqliteStore needs the better-sqlite3 package (12.x), which ${missing ? 'is not installed' : 'could not be loaded'}: ${INSTALL_HINT}`,
      { cause: error },
    );
  }
  return loaded;
}

/**
 * Opens a connection. better-sqlite3 loads its native module at the first open, so an install built
 * for another Node.js version fails here: that is a missing peer too, with its own hint. Anything
 * else (a folder that does not exist, no permission, SQLITE_CANTOPEN) means the file is unusable.
 */
export function openDatabase(driver: DatabaseConstructor, path: string, busyTimeoutMs: number): Database {
  try {
    return new driver(path, { timeout: busyTimeoutMs });
  } catch (error) {
    if (isNativeModuleFailure(error)) {
      throw new TurnstoreError(
        'TURNSTORE_MISSING_PEER',
        `better-sqlite3 is installed but its native module could not be loaded: never built (npm skips install scripts that allowScripts does not approve: npm install-scripts approve better-sqlite3, then npm rebuild better-sqlite3), or built for another Node.js version (npm rebuild better-sqlite3, or ${INSTALL_HINT})`,
        { cause: error },
      );
    }
    throw backendError(error, `SQLite could not open ${JSON.stringify(path)}`);
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
  return new TurnstoreError('TURNSTORE_BACKEND_UNAVAILABLE', `${doing}${code}: ${message}`, { cause: error });
}
