/**
 * The database layout of SqliteStore and how a file gets to it. The layout's version lives in
 * `PRAGMA user_version`; {@link MIGRATIONS}[v] takes a file from version v to v + 1, so a later
 * layout change is one more entry here and existing files upgrade themselves when opened.
 */
import { backendUnavailableError } from '../core/errors.js';
import type { Database } from './driver.js';

/**
 * Version 1.
 *
 * - `conversations`: one row per live conversation. `key` is a small integer the turns refer to,
 *   so an id of up to 256 characters is stored once. `touch_order` orders conversations by recency:
 *   each touch gives the touched conversation one more than the largest ever given, so recency is a
 *   strict order shared by every process using the file, even within one millisecond.
 *   `last_access_ms` never decreases along `touch_order` (a touch is stamped with the latest time
 *   ever recorded if the clock reads earlier), so the least recently used conversation is also the
 *   first to expire, and one index serves the LRU cap, the expiry sweep and `list`; it holds
 *   `last_access_ms` too, so checking the oldest conversation for expiry reads the index alone.
 *   `next_seq` numbers the conversation's next turn.
 * - `turns`: keyed by (conversation, seq) without a rowid, so a conversation's turns are one range
 *   of the primary key: read in order, and trimmed to the newest maxTurns with one range delete.
 *   `bytes` is the UTF-8 length of `content`, kept so totals can be adjusted without re-measuring.
 * - `totals`: one row, kept in step within each transaction: the counts the LRU cap and
 *   the byte budget are checked against (counting rows would cost a scan), and the largest touch
 *   order and last access of any conversation removed. The largest ones of live conversations are
 *   read from the recency index, so a `get` (which changes no count) does not write this row.
 * - `evictions`: how many conversations each reason evicted, across processes and restarts.
 */
const VERSION_1 = `
  CREATE TABLE conversations (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    touch_order INTEGER NOT NULL,
    last_access_ms INTEGER NOT NULL,
    next_seq INTEGER NOT NULL
  );
  CREATE INDEX conversations_by_touch ON conversations (touch_order, last_access_ms);

  CREATE TABLE turns (
    conversation INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    role INTEGER NOT NULL,
    content TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (conversation, seq)
  ) WITHOUT ROWID;

  CREATE TABLE totals (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    conversations INTEGER NOT NULL,
    turns INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    removed_touch_order INTEGER NOT NULL,
    removed_last_access_ms INTEGER NOT NULL
  );
  INSERT INTO totals VALUES (1, 0, 0, 0, 0, 0);

  CREATE TABLE evictions (
    reason TEXT PRIMARY KEY,
    count INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO evictions VALUES ('ttl', 0), ('lru', 0), ('bytes', 0);
`;

/**
 * Version 2: turns may carry extras (tool calls, the id of the call a tool turn answers,
 * attachments, metadata).
 *
 * - `turns.extras`: the turn's extras as one JSON text, stored verbatim as core encodes it
 *   (`StoredExtras.json`), or NULL for a plain turn. Every row of a version-1 file is a plain turn,
 *   so adding the column with NULL for all of them loses nothing; SQLite adds a column with no
 *   default by changing the schema text alone, without rewriting a row, so the upgrade takes the
 *   same time for any size of file.
 * - `turns.bytes` keeps meaning the turn's size, which is now the UTF-8 length of `content` plus
 *   that of `extras` (for a plain turn, still the content's alone), so `totals.bytes` and the byte
 *   budget count extras with no other change.
 */
const VERSION_2 = `
  ALTER TABLE turns ADD COLUMN extras TEXT;
`;

/**
 * Version 3: a conversation may hold a summary (decision 16).
 *
 * - `conversations.summary`: the summary's text, or NULL for none (every conversation of an older
 *   file); `summary_ts_ms` when `compact` set it; `summary_bytes` its UTF-8 length, 0 without one.
 *   `totals.bytes` counts it, so the byte budget and `stats().bytes` need no other change.
 * - Columns added with NULL or a constant default change the schema text alone, without rewriting
 *   a row: the upgrade takes the same time for any size of file, and a conversation without a
 *   summary is stored as before. The summary lives in the conversation's row, which a `get` reads
 *   anyway, so reading one costs no other query.
 */
const VERSION_3 = `
  ALTER TABLE conversations ADD COLUMN summary TEXT;
  ALTER TABLE conversations ADD COLUMN summary_ts_ms INTEGER;
  ALTER TABLE conversations ADD COLUMN summary_bytes INTEGER NOT NULL DEFAULT 0;
`;

/**
 * Each step takes the schema from version `index` to `index + 1`, inside the opening transaction.
 * A step, once released, is never edited: files made by it exist, and the next step starts from
 * exactly what it left.
 */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  (db) => {
    db.exec(VERSION_1);
  },
  (db) => {
    db.exec(VERSION_2);
  },
  (db) => {
    db.exec(VERSION_3);
  },
];

/** The layout this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Tables a file at version 0 may hold: none of its own (SQLite's internal ones do not count). */
function userTables(db: Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as Array<{
    name: string;
  }>;
  return rows.map((row) => row.name);
}

/**
 * Brings the file to {@link SCHEMA_VERSION}, in one immediate transaction so that processes
 * opening a new or older file at once do not both create or upgrade it: the version is read under
 * the write lock, so a process that waited for it finds the version the first one left, and runs
 * no step twice. A step that fails rolls back with the whole transaction, leaving the file at its
 * old version. Refuses a file written by a newer turnstore
 * (it cannot know that layout) and a version-0 file that already holds someone else's tables
 * (`user_version` is a single number per file, so sharing it with another schema would confuse both).
 * `migrations` is for tests of the upgrade path.
 */
export function migrate(db: Database, path: string, migrations: ReadonlyArray<(db: Database) => void> = MIGRATIONS): void {
  const target = migrations.length;
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > target) {
      throw backendUnavailableError({
        backend: `The SQLite file ${JSON.stringify(path)}`,
        problem: `has turnstore schema version ${version}, newer than this turnstore understands (${target}); upgrade turnstore to open it.`,
      });
    }
    if (version === 0) {
      const foreign = userTables(db);
      if (foreign.length > 0) {
        throw backendUnavailableError({
          backend: `The SQLite file ${JSON.stringify(path)}`,
          problem: `is not a turnstore database: it holds other tables (${foreign.slice(0, 5).join(', ')}). Give SqliteStore a file of its own.`,
        });
      }
    }
    for (let step = version; step < target; step++) migrations[step]!(db);
    // PRAGMA takes no bound parameters; the version is an integer this module counted.
    if (version !== target) db.pragma(`user_version = ${target}`);
  }).immediate();
}
