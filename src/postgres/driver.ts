/**
 * Loading `pg` (node-postgres), the optional peer this subpath needs, and the little of its API
 * the store uses. Nothing else in turnstore touches the driver, so `import 'turnstore'` never loads
 * it; a store given a `pool` never loads it either.
 */
import { importPeer } from '../core/import-peer.js';

/** What the store sends: a named (prepared once per connection) statement with bound values. */
export interface PostgresQueryConfig {
  readonly name?: string;
  readonly text: string;
  readonly values?: unknown[];
  readonly rowMode?: 'array';
  /** pg's read timeout for this query, instead of the pool's. */
  readonly query_timeout?: number;
}

/** A query's result, as pg gives it: with `rowMode: 'array'` each row is an array of values. */
export interface PostgresQueryResult {
  readonly rows: unknown[];
}

/** A client checked out of a pool, for the migration's transaction. */
export interface PostgresClientLike {
  query(config: PostgresQueryConfig | string): Promise<PostgresQueryResult>;
  release(error?: Error | boolean): void;
}

/**
 * The part of a pg `Pool` the store uses. Typed structurally, so turnstore's public types do not
 * depend on `@types/pg`.
 */
export interface PostgresPoolLike {
  query(config: PostgresQueryConfig): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresClientLike>;
  end?(): Promise<void>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** What to tell someone whose project lacks the driver. */
export const INSTALL_HINT = 'npm install pg@8';

/**
 * Creates the pool a store owns, loading pg on first use. Every wait is bounded by the command
 * timeout: getting a connection (`connectionTimeoutMillis`), the reply (`query_timeout`, after
 * which pg drops the connection), and the statement on the server (`statement_timeout`, so a
 * call that gave up does not keep waiting for a lock there).
 */
export async function createPool(connectionString: string, commandTimeoutMs: number): Promise<PostgresPoolLike> {
  const pg = await importPeer('pg', 'PostgresStore', () => import('pg'), INSTALL_HINT);
  const Pool = (pg as unknown as { default?: { Pool: unknown }; Pool?: unknown }).default?.Pool ?? (pg as { Pool?: unknown }).Pool;
  const pool = new (Pool as new (config: object) => PostgresPoolLike)({
    connectionString,
    connectionTimeoutMillis: commandTimeoutMs,
    query_timeout: commandTimeoutMs,
    statement_timeout: commandTimeoutMs,
    application_name: 'turnstore',
  });
  // An idle connection the server closed (a restart, a failover) is dropped by the pool and
  // reported here; the next call opens a new one. Without a listener it would crash the process.
  pool.on?.('error', () => {});
  return pool;
}
