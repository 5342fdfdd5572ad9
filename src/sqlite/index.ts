/**
 * `turnstore/sqlite`: {@link SqliteStore}, conversation memory in a SQLite file that survives
 * restarts and may be shared by several processes. Needs the optional peer dependency
 * better-sqlite3 12.x (`npm install better-sqlite3@12`), loaded only when a store is created.
 *
 * @example
 * ```ts
 * import { SqliteStore } from 'turnstore/sqlite';
 * const memory = new SqliteStore({ path: './memory.db' });
 * ```
 *
 * @packageDocumentation
 */
export { SqliteStore } from './sqlite-store.js';
export type { SqliteDriver, SqliteStoreOptions } from './options.js';
