/**
 * `turnstore/postgres`: {@link PostgresStore}, conversation memory in PostgreSQL — durable, and
 * shared by every app instance and machine that uses the same database. Needs the optional peer
 * dependency pg 8.x (`npm install pg@8`), loaded only when a store creates its own pool.
 *
 * @example
 * ```ts
 * import { PostgresStore } from 'turnstore/postgres';
 * const memory = new PostgresStore({ connectionString: process.env.DATABASE_URL });
 * ```
 *
 * @packageDocumentation
 */
export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './options.js';
export type { PostgresPoolLike, PostgresClientLike, PostgresQueryConfig, PostgresQueryResult } from './driver.js';
