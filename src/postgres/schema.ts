/**
 * Creating and upgrading a store's tables and functions. The layout's version lives in a table of
 * its own (`<prefix>schema_version`, one row); {@link MIGRATIONS}[v] takes it from version v to
 * v + 1, so a later change is one more entry and existing databases upgrade themselves on first use.
 * The whole migration is one transaction under an advisory lock, so processes starting at once
 * wait for each other instead of both creating the tables.
 */
import { backendUnavailableError, TurnstoreError } from '../core/errors.js';
import type { PostgresClientLike, PostgresPoolLike } from './driver.js';
import { MIGRATIONS, MIGRATION_LOCK_CLASS, type SqlNames } from './sql-functions.js';

/** pg's read timeout for the migration's slow statements (the pool's own is the command timeout). */
const MIGRATION_QUERY_TIMEOUT_MS = 30_000;

/** The layout this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A 32-bit FNV-1a hash of a string, as a signed integer (an advisory lock key). */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** The quoted names of the store with this schema and table prefix. */
export function sqlNames(schema: string, tablePrefix: string): SqlNames {
  // Both are checked to [A-Za-z0-9_] (options.ts); quoting keeps their case and any keyword harmless.
  return {
    schema: `"${schema}"`,
    object: (name) => `"${schema}"."${tablePrefix}${name}"`,
    bare: (name) => `"${tablePrefix}${name}"`,
    literal: (name) => `'"${schema}"."${tablePrefix}${name}"'`,
    lockKey: hash32(`${schema}.${tablePrefix}`),
  };
}

/**
 * Brings the store's objects to {@link SCHEMA_VERSION}. Refuses a database whose version is newer
 * than this code knows. `migrations` is for tests of the upgrade path.
 */
export async function migrate(
  pool: PostgresPoolLike,
  schema: string,
  tablePrefix: string,
  migrations: ReadonlyArray<(names: SqlNames) => string> = MIGRATIONS,
): Promise<void> {
  const names = sqlNames(schema, tablePrefix);
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    await inTransaction(client, names, schema, tablePrefix, migrations);
    await client.query('COMMIT');
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    // A connection whose transaction failed is not handed out again.
    client.release(failure !== undefined && !(failure instanceof TurnstoreError) ? failure : undefined);
  }
}

async function inTransaction(
  client: PostgresClientLike,
  names: SqlNames,
  schema: string,
  tablePrefix: string,
  migrations: ReadonlyArray<(names: SqlNames) => string>,
): Promise<void> {
  const target = migrations.length;
  // The migration may wait for another process's and take longer than a call: the store bounds it.
  await client.query({ text: 'SET LOCAL statement_timeout = 0', query_timeout: MIGRATION_QUERY_TIMEOUT_MS });
  await client.query({
    text: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, $1)`,
    values: [names.lockKey],
    query_timeout: MIGRATION_QUERY_TIMEOUT_MS,
  });
  // Created only when missing: CREATE SCHEMA IF NOT EXISTS would need the CREATE privilege on the
  // database even when the schema is there.
  const existing = await client.query({ text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', values: [schema] });
  if (existing.rows.length === 0) await client.query(`CREATE SCHEMA ${names.schema}`);
  const versionTable = names.object('schema_version');
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${versionTable} (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), version integer NOT NULL)`,
  );
  const found = await client.query({ text: `SELECT version FROM ${versionTable}`, rowMode: 'array' });
  const version = found.rows.length === 0 ? 0 : Number((found.rows[0] as unknown[])[0]);
  if (version > target) {
    throw backendUnavailableError({
      backend: `The PostgreSQL tables ${JSON.stringify(`${schema}.${tablePrefix}*`)}`,
      problem: `have turnstore schema version ${version}, newer than this turnstore understands (${target}); upgrade turnstore to use them.`,
    });
  }
  for (let step = version; step < target; step++)
    await client.query({ text: migrations[step]!(names), query_timeout: MIGRATION_QUERY_TIMEOUT_MS });
  if (version !== target) {
    await client.query({
      text: `INSERT INTO ${versionTable} (only_row, version) VALUES (true, $1) ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version`,
      values: [target],
    });
  }
}
