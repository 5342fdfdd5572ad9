/**
 * Every SQL statement SqliteStore runs, prepared once per connection. Ids, contents and numbers
 * are always bound parameters, never part of the SQL text. The tables are described in schema.ts.
 */
import type { Database, Statement } from './driver.js';

/** A conversation as the recency index sees it. */
export interface ConversationRow {
  readonly key: number;
  readonly lastAccessMs: number;
}

/** A conversation just touched: where its new turns go and the touch recorded for it. */
export interface TouchedRow {
  readonly key: number;
  readonly nextSeq: number;
  readonly touchOrder: number;
  readonly lastAccessMs: number;
}

/** A conversation as `list` shows it. */
export interface ListedRow {
  readonly key: number;
  readonly id: string;
  readonly touchOrder: number;
  readonly lastAccessMs: number;
}

/** A stored turn: role as its index in ROLES, time in ms. */
export interface TurnRow {
  readonly role: number;
  readonly content: string;
  readonly tsMs: number;
}

/** The counts kept in `totals`. */
export interface TotalsRow {
  readonly conversations: number;
  readonly turns: number;
  readonly bytes: number;
}

// A touch takes the next value of the shared counter and the latest clock reading any process has
// recorded (or this call's, if later): recency stays a strict order, and last access never
// decreases along it, even when clocks of several processes or a clock set back disagree. The
// caller then writes both back into `totals` (recordTouch, recordAppend).
const NEXT_TOUCH_ORDER = '(SELECT touch_counter + 1 FROM totals)';
const TOUCH_TIME = 'max(@nowMs, (SELECT clock_ms FROM totals))';

/** The prepared statements of one connection. */
export class Statements {
  /** The least recently used conversation: the next to expire, and the LRU cap's first victim. */
  readonly oldest: Statement<[], ConversationRow>;
  /** The least recently used conversation other than the given one. */
  readonly oldestOther: Statement<[key: number], ConversationRow>;
  /** Removes a conversation's row by key, returning its id (its turns go separately). */
  readonly removeConversation: Statement<[key: number], { id: string }>;
  /** Removes a conversation's row by id, returning its key. */
  readonly removeConversationById: Statement<[id: string], { key: number }>;
  /** Removes every turn of a conversation: one range of the primary key. */
  readonly removeTurnsOf: Statement<[key: number], { bytes: number }>;
  /** Touches a conversation (a `get` hit); no row for an unknown id. */
  readonly touch: Statement<[{ id: string; nowMs: number }], TouchedRow>;
  /** Records a touch in `totals`. */
  readonly recordTouch: Statement<[{ touchOrder: number; lastAccessMs: number }]>;
  /** Touches a conversation for an append, creating it if absent, and reserves `count` sequence numbers. */
  readonly upsertConversation: Statement<[{ id: string; nowMs: number; count: number }], TouchedRow>;
  readonly insertTurn: Statement<[key: number, seq: number, role: number, content: string, tsMs: number, bytes: number]>;
  /** Deletes a conversation's turns numbered below `below`: the range delete that enforces maxTurns. */
  readonly trimTurns: Statement<[{ key: number; below: number }], { bytes: number }>;
  /** Deletes a conversation's oldest turn (the byte budget, when it alone is over). */
  readonly dropOldestTurn: Statement<[{ key: number }], { bytes: number }>;
  /** Records an append's touch and its changes to the counts, returning the new counts. */
  readonly recordAppend: Statement<[{ touchOrder: number; lastAccessMs: number; conversations: number; turns: number; bytes: number }], TotalsRow>;
  /** Adds (signed) changes to the counts. */
  readonly addToTotals: Statement<[{ conversations: number; turns: number; bytes: number }]>;
  readonly countEviction: Statement<[{ reason: string; count: number }]>;
  readonly turnsOf: Statement<[key: number], TurnRow>;
  /** Up to `limit` conversations touched before `before`, most recent first. */
  readonly page: Statement<[{ before: number; limit: number }], ListedRow>;
  readonly totals: Statement<[], TotalsRow>;
  readonly evictionCounts: Statement<[], { reason: string; count: number }>;
  readonly clearTurns: Statement<[]>;
  readonly clearConversations: Statement<[]>;
  readonly clearTotals: Statement<[]>;

  constructor(db: Database) {
    this.oldest = db.prepare('SELECT key, last_access_ms AS lastAccessMs FROM conversations ORDER BY touch_order LIMIT 1');
    this.oldestOther = db.prepare('SELECT key, last_access_ms AS lastAccessMs FROM conversations WHERE key != ? ORDER BY touch_order LIMIT 1');
    this.removeConversation = db.prepare('DELETE FROM conversations WHERE key = ? RETURNING id');
    this.removeConversationById = db.prepare('DELETE FROM conversations WHERE id = ? RETURNING key');
    this.removeTurnsOf = db.prepare('DELETE FROM turns WHERE conversation = ? RETURNING bytes');
    this.touch = db.prepare(`
      UPDATE conversations SET touch_order = ${NEXT_TOUCH_ORDER}, last_access_ms = ${TOUCH_TIME}
      WHERE id = @id
      RETURNING key, next_seq AS nextSeq, touch_order AS touchOrder, last_access_ms AS lastAccessMs`);
    this.recordTouch = db.prepare('UPDATE totals SET touch_counter = @touchOrder, clock_ms = @lastAccessMs');
    // A new conversation gets next_seq = count, an existing one adds count to its own (which is
    // at least 1, since a conversation is only ever created with turns): so next_seq - count is 0
    // exactly when the conversation was just created.
    this.upsertConversation = db.prepare(`
      INSERT INTO conversations (id, touch_order, last_access_ms, next_seq)
      VALUES (@id, ${NEXT_TOUCH_ORDER}, ${TOUCH_TIME}, @count)
      ON CONFLICT (id) DO UPDATE SET
        touch_order = excluded.touch_order,
        last_access_ms = excluded.last_access_ms,
        next_seq = next_seq + excluded.next_seq
      RETURNING key, next_seq AS nextSeq, touch_order AS touchOrder, last_access_ms AS lastAccessMs`);
    this.insertTurn = db.prepare('INSERT INTO turns (conversation, seq, role, content, ts_ms, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    this.trimTurns = db.prepare('DELETE FROM turns WHERE conversation = @key AND seq < @below RETURNING bytes');
    this.dropOldestTurn = db.prepare(`
      DELETE FROM turns
      WHERE conversation = @key AND seq = (SELECT min(seq) FROM turns WHERE conversation = @key)
      RETURNING bytes`);
    this.recordAppend = db.prepare(`
      UPDATE totals SET
        touch_counter = @touchOrder,
        clock_ms = @lastAccessMs,
        conversations = conversations + @conversations,
        turns = turns + @turns,
        bytes = bytes + @bytes
      RETURNING conversations, turns, bytes`);
    this.addToTotals = db.prepare(`
      UPDATE totals SET conversations = conversations + @conversations, turns = turns + @turns, bytes = bytes + @bytes`);
    this.countEviction = db.prepare('UPDATE evictions SET count = count + @count WHERE reason = @reason');
    this.turnsOf = db.prepare('SELECT role, content, ts_ms AS tsMs FROM turns WHERE conversation = ? ORDER BY seq');
    this.page = db.prepare(`
      SELECT key, id, touch_order AS touchOrder, last_access_ms AS lastAccessMs FROM conversations
      WHERE touch_order < @before ORDER BY touch_order DESC LIMIT @limit`);
    this.totals = db.prepare('SELECT conversations, turns, bytes FROM totals');
    this.evictionCounts = db.prepare('SELECT reason, count FROM evictions');
    this.clearTurns = db.prepare('DELETE FROM turns');
    this.clearConversations = db.prepare('DELETE FROM conversations');
    this.clearTotals = db.prepare('UPDATE totals SET conversations = 0, turns = 0, bytes = 0');
  }
}
