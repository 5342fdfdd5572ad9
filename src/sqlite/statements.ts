/**
 * Every SQL statement SqliteStore runs, prepared once per connection. Ids, contents and numbers
 * are always bound parameters, never part of the SQL text. The tables are described in schema.ts.
 *
 * No statement uses `RETURNING`: SQLite implements it with a temporary table, which made each such
 * statement several times slower than an `UPDATE` or `DELETE` followed by a `SELECT` by primary key.
 */
import type { Database, Statement } from './driver.js';

/** A conversation's row, but for its sequence numbers and its summary's text. */
export interface ConversationRow {
  readonly key: number;
  readonly id: string;
  readonly touchOrder: number;
  readonly lastAccessMs: number;
  /** UTF-8 bytes of its summary; 0 without one. */
  readonly summaryBytes: number;
}

/** A conversation's summary columns: `summary` NULL without one. */
export interface SummaryColumns {
  readonly summary: string | null;
  readonly summaryTsMs: number | null;
  readonly summaryBytes: number;
}

/** A conversation's key, the number its next turn gets, and its summary. */
export interface ConversationKeyRow extends SummaryColumns {
  readonly key: number;
  readonly nextSeq: number;
}

/** A conversation's row as `list` shows it. */
export interface ListedConversationRow extends ConversationRow, SummaryColumns {}

/** A stored turn: role as its index in ROLES, time in ms, extras as their JSON text or null for a plain turn. */
export interface TurnRow {
  readonly role: number;
  readonly content: string;
  readonly tsMs: number;
  readonly extras: string | null;
}

/** How many turns, of how many bytes. */
export interface TurnCountRow {
  readonly turns: number;
  readonly bytes: number;
}

/** The counts kept in `totals`. */
export interface TotalsRow {
  readonly conversations: number;
  readonly turns: number;
  readonly bytes: number;
}

// A touch gives the conversation one more than the largest touch order ever given (the newest
// live conversation's, or the largest removed one's, kept in totals), and stamps it with the
// latest time ever recorded if this call's clock reads earlier. So recency is a strict order, and
// last access never decreases along it, even when the clocks of several processes disagree or one
// is set back. Both maxima come from the end of the recency index: no row is written to find them.
const NEXT_TOUCH_ORDER = '(SELECT max(coalesce((SELECT max(touch_order) FROM conversations), 0), removed_touch_order) + 1 FROM totals)';
const TOUCH_TIME =
  '(SELECT max(@nowMs, coalesce((SELECT last_access_ms FROM conversations ORDER BY touch_order DESC LIMIT 1), 0), removed_last_access_ms) FROM totals)';

const CONVERSATION_COLUMNS = 'key, id, touch_order AS touchOrder, last_access_ms AS lastAccessMs, summary_bytes AS summaryBytes';
const SUMMARY_COLUMNS = 'summary, summary_ts_ms AS summaryTsMs, summary_bytes AS summaryBytes';

/** The prepared statements of one connection. */
export class Statements {
  /** The least recently used conversation: the next to expire, and the LRU cap's first victim. */
  readonly oldest: Statement<[], ConversationRow>;
  /** The least recently used conversation other than the given one. */
  readonly oldestOther: Statement<[key: number], ConversationRow>;
  readonly conversationById: Statement<[id: string], ConversationRow>;
  /** Looks a conversation up by id, for a `get` or an append. */
  readonly findConversation: Statement<[id: string], ConversationKeyRow>;
  /** Creates a conversation, touched now, with `count` sequence numbers taken; its key is the rowid. */
  readonly createConversation: Statement<[{ id: string; nowMs: number; count: number }]>;
  /** Touches a conversation for an append, taking `count` more sequence numbers. */
  readonly touchForAppend: Statement<[{ key: number; nowMs: number; count: number }]>;
  /** Touches a conversation (a `get` hit). */
  readonly touch: Statement<[{ key: number; nowMs: number }]>;
  /** Removes a conversation's row (its turns go separately). */
  readonly removeConversation: Statement<[key: number]>;
  /** Inserts a plain turn (its extras column left NULL). The statement of every plain append: kept as lean as before extras existed. */
  readonly insertTurn: Statement<[key: number, seq: number, role: number, content: string, tsMs: number, bytes: number]>;
  /** Inserts a turn with extras, given as their JSON text; `bytes` counts content and extras. */
  readonly insertTurnWithExtras: Statement<
    [key: number, seq: number, role: number, content: string, tsMs: number, bytes: number, extras: string]
  >;
  /** Counts a conversation's turns numbered below `below`. */
  readonly countTurnsBelow: Statement<[key: number, below: number], TurnCountRow>;
  /** Deletes a conversation's turns numbered below `below`: one range of the primary key. */
  readonly deleteTurnsBelow: Statement<[key: number, below: number]>;
  /** Counts a conversation's turns numbered `from` and above. */
  readonly countTurnsFrom: Statement<[key: number, from: number], TurnCountRow>;
  /** Deletes a conversation's turns numbered `from` and above: the newest ones. */
  readonly deleteTurnsFrom: Statement<[key: number, from: number]>;
  /** A conversation's oldest turn. */
  readonly oldestTurn: Statement<[key: number], { seq: number; bytes: number }>;
  /** A conversation's newest turn. */
  readonly newestTurn: Statement<[key: number], TurnRow>;
  readonly turnsOf: Statement<[key: number], TurnRow>;
  /** A conversation's oldest `limit` turns, with their numbers (for `compact`). */
  readonly oldestTurns: Statement<[key: number, limit: number], TurnRow & { seq: number }>;
  /** Sets a conversation's summary (text, time and bytes), or with a NULL text removes it. */
  readonly setSummary: Statement<[{ key: number; summary: string | null; tsMs: number | null; bytes: number }]>;
  /** Adds (signed) changes to the counts. */
  readonly addToTotals: Statement<[conversations: number, turns: number, bytes: number]>;
  /** Takes a removed conversation off the counts, remembering its place in recency and time. */
  readonly recordRemoval: Statement<[{ turns: number; bytes: number; touchOrder: number; lastAccessMs: number }]>;
  readonly totals: Statement<[], TotalsRow>;
  readonly countEviction: Statement<[reason: string]>;
  readonly evictionCounts: Statement<[], { reason: string; count: number }>;
  /** Up to `limit` conversations touched before `before`, most recent first. */
  readonly page: Statement<[before: number, limit: number], ListedConversationRow>;
  readonly clearTurns: Statement<[]>;
  /** Zeroes the counts, remembering the largest touch order and last access of what is cleared. */
  readonly clearTotals: Statement<[]>;
  readonly clearConversations: Statement<[]>;

  constructor(db: Database) {
    this.oldest = db.prepare(`SELECT ${CONVERSATION_COLUMNS} FROM conversations ORDER BY touch_order LIMIT 1`);
    this.oldestOther = db.prepare(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE key != ? ORDER BY touch_order LIMIT 1`);
    this.conversationById = db.prepare(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`);
    this.findConversation = db.prepare(`SELECT key, next_seq AS nextSeq, ${SUMMARY_COLUMNS} FROM conversations WHERE id = ?`);
    this.createConversation = db.prepare(`
      INSERT INTO conversations (id, touch_order, last_access_ms, next_seq)
      VALUES (@id, ${NEXT_TOUCH_ORDER}, ${TOUCH_TIME}, @count)`);
    this.touchForAppend = db.prepare(`
      UPDATE conversations SET touch_order = ${NEXT_TOUCH_ORDER}, last_access_ms = ${TOUCH_TIME}, next_seq = next_seq + @count
      WHERE key = @key`);
    this.touch = db.prepare(`UPDATE conversations SET touch_order = ${NEXT_TOUCH_ORDER}, last_access_ms = ${TOUCH_TIME} WHERE key = @key`);
    this.removeConversation = db.prepare('DELETE FROM conversations WHERE key = ?');
    this.insertTurn = db.prepare('INSERT INTO turns (conversation, seq, role, content, ts_ms, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertTurnWithExtras = db.prepare(
      'INSERT INTO turns (conversation, seq, role, content, ts_ms, bytes, extras) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.countTurnsBelow = db.prepare(
      'SELECT count(*) AS turns, coalesce(sum(bytes), 0) AS bytes FROM turns WHERE conversation = ? AND seq < ?',
    );
    this.deleteTurnsBelow = db.prepare('DELETE FROM turns WHERE conversation = ? AND seq < ?');
    this.countTurnsFrom = db.prepare(
      'SELECT count(*) AS turns, coalesce(sum(bytes), 0) AS bytes FROM turns WHERE conversation = ? AND seq >= ?',
    );
    this.deleteTurnsFrom = db.prepare('DELETE FROM turns WHERE conversation = ? AND seq >= ?');
    this.oldestTurn = db.prepare('SELECT seq, bytes FROM turns WHERE conversation = ? ORDER BY seq LIMIT 1');
    this.newestTurn = db.prepare('SELECT role, content, ts_ms AS tsMs, extras FROM turns WHERE conversation = ? ORDER BY seq DESC LIMIT 1');
    this.turnsOf = db.prepare('SELECT role, content, ts_ms AS tsMs, extras FROM turns WHERE conversation = ? ORDER BY seq');
    this.oldestTurns = db.prepare(
      'SELECT seq, role, content, ts_ms AS tsMs, extras FROM turns WHERE conversation = ? ORDER BY seq LIMIT ?',
    );
    this.setSummary = db.prepare(
      'UPDATE conversations SET summary = @summary, summary_ts_ms = @tsMs, summary_bytes = @bytes WHERE key = @key',
    );
    this.addToTotals = db.prepare('UPDATE totals SET conversations = conversations + ?, turns = turns + ?, bytes = bytes + ?');
    this.recordRemoval = db.prepare(`
      UPDATE totals SET
        conversations = conversations - 1,
        turns = turns - @turns,
        bytes = bytes - @bytes,
        removed_touch_order = max(removed_touch_order, @touchOrder),
        removed_last_access_ms = max(removed_last_access_ms, @lastAccessMs)`);
    this.totals = db.prepare('SELECT conversations, turns, bytes FROM totals');
    this.countEviction = db.prepare('UPDATE evictions SET count = count + 1 WHERE reason = ?');
    this.evictionCounts = db.prepare('SELECT reason, count FROM evictions');
    this.page = db.prepare(`
      SELECT ${CONVERSATION_COLUMNS}, summary, summary_ts_ms AS summaryTsMs FROM conversations WHERE touch_order < ? ORDER BY touch_order DESC LIMIT ?`);
    this.clearTurns = db.prepare('DELETE FROM turns');
    this.clearTotals = db.prepare(`
      UPDATE totals SET
        conversations = 0,
        turns = 0,
        bytes = 0,
        removed_touch_order = max(removed_touch_order, coalesce((SELECT max(touch_order) FROM conversations), 0)),
        removed_last_access_ms = max(removed_last_access_ms, coalesce((SELECT max(last_access_ms) FROM conversations), 0))`);
    this.clearConversations = db.prepare('DELETE FROM conversations');
  }
}
