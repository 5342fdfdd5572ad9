import { checkCompactOptions, compactionConflict, summaryTurn, type CheckedCompaction } from '../core/compaction.js';
import { closedError, conflictError, invalidOptionError, TurnstoreError } from '../core/errors.js';
import type { ResolvedStoreOptions } from '../core/options.js';
import { SweepTimer } from '../core/sweep-timer.js';
import { checkExtrasFit, decodeExtras, turnWithExtras, type StoredExtras } from '../core/turn-extras.js';
import {
  ROLES,
  type AppendManyOptions,
  type CompactOptions,
  type ConversationStore,
  type ConversationSummary,
  type EvictionReason,
  type ListOptions,
  type ListPage,
  type Role,
  type StoreStats,
  type Turn,
  type TurnExtras,
  type TurnInput,
} from '../core/types.js';
import { checkAppendManyOptions, checkId, checkListOptions, checkTurn, checkTurns, roleIndex } from '../core/validate.js';
import { backendError, isBackendFailure, loadDriver, openDatabase, type Database, type DatabaseConstructor } from './driver.js';
import { resolveSqliteOptions, type SqliteStoreOptions } from './options.js';
import { migrate } from './schema.js';
import { Statements, type ConversationRow, type SummaryColumns, type TurnCountRow, type TurnRow } from './statements.js';
import { PendingEvictions } from '../core/evictions.js';

/** Returned by a read transaction that found expired conversations it may not remove itself. */
const EXPIRED_FIRST = Symbol('expired conversations must go first');

const NOTHING_TRIMMED: TurnCountRow = Object.freeze({ turns: 0, bytes: 0 });

/** A list cursor: the touch order of the last conversation listed, in decimal. */
const CURSOR_PATTERN = /^[0-9]{1,16}$/;

/** Work done inside one transaction, given the clock reading it runs at. */
type Work<T> = (nowMs: number) => T;

/**
 * Conversation memory in a SQLite file, on better-sqlite3: it survives restarts, and several
 * processes may share one file.
 *
 * Every call is one SQLite transaction; calls that change anything take the write lock at their
 * start (`BEGIN IMMEDIATE`), so processes writing at once queue for up to `busyTimeoutMs` instead
 * of failing. The turn cap, the LRU cap and the byte budget are enforced inside that transaction,
 * so they hold across processes. Recency is a counter stored in the file, a strict order shared by
 * every process; TTL is measured on the wall clock (or `now`), since a monotonic clock does not
 * survive a restart. An unref'd timer removes expired conversations.
 *
 * `onEvict` hears about the evictions this process performs; `stats().evictions` counts those of
 * every process that used the file, since it was created.
 *
 * @example
 * ```ts
 * import { SqliteStore } from 'turnstore/sqlite';
 * const memory = new SqliteStore({ path: './memory.db', maxTurns: 8, ttlSeconds: 3600 });
 * await memory.append('conv1', 'user', 'Hello');
 * const turns = await memory.get('conv1');
 * await memory.close();
 * ```
 */
export class SqliteStore implements ConversationStore {
  readonly #options: ResolvedStoreOptions;
  readonly #ttlMs: number;
  readonly #db: Database;
  readonly #sql: Statements;
  readonly #clock: () => number;
  // Transaction wrappers made once: better-sqlite3 prepares their BEGIN/COMMIT once per connection.
  readonly #writeTransaction: { immediate(work: Work<unknown>, nowMs: number | undefined): unknown };
  readonly #readTransaction: { deferred(work: Work<unknown>, nowMs: number | undefined): unknown };
  readonly #sweepTimer: SweepTimer | undefined;
  #closed = false;
  /**
   * A time no conversation in the file was last accessed before. The earliest last access never
   * decreases (a touch stamps at least the latest time ever recorded; removals only raise it), in
   * any process, so once read it stays a valid bound: while `now` is within the TTL of it, nothing
   * can be expired and the check costs no query. Reset when a transaction of ours rolls back, since
   * it may have been read after evictions that were undone.
   */
  #expiryFloorMs = -Infinity;
  readonly #pendingEvictions: PendingEvictions;

  /**
   * Opens (creating if needed) the database file, switches it to WAL and brings its schema up to
   * date.
   *
   * @param options - `path` and the SQLite options of {@link SqliteStoreOptions}, plus the shared
   * options of every store. A bad or unknown option throws `TURNSTORE_INVALID_OPTION` naming it.
   * @throws `TURNSTORE_MISSING_PEER` when better-sqlite3 is not installed;
   * `TURNSTORE_BACKEND_UNAVAILABLE` when the file cannot be opened, is not a SQLite database, or
   * was written by a newer turnstore.
   */
  constructor(options: SqliteStoreOptions) {
    const resolved = resolveSqliteOptions(options);
    this.#options = resolved.store;
    this.#pendingEvictions = new PendingEvictions(this.#options.onEvict);
    this.#ttlMs = resolved.store.ttlSeconds * 1000;
    this.#clock = resolved.store.now ?? (() => Date.now()); // looked up per call, so tests can move it
    const driver = (resolved.driver ?? loadDriver()) as DatabaseConstructor;
    const db = openDatabase(driver, resolved.path, resolved.busyTimeoutMs);
    try {
      // WAL lets readers go on while one process writes, and makes a commit one append to the log.
      db.pragma('journal_mode = WAL');
      db.pragma(resolved.synchronous === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
      migrate(db, resolved.path);
      this.#sql = new Statements(db);
    } catch (error) {
      db.close();
      if (error instanceof TurnstoreError) throw error;
      throw isBackendFailure(error) ? backendError(error, `could not prepare ${JSON.stringify(resolved.path)}`) : error;
    }
    this.#db = db;
    const run = (work: Work<unknown>, nowMs: number | undefined): unknown => work(nowMs ?? this.#clock());
    this.#writeTransaction = db.transaction(run);
    this.#readTransaction = db.transaction(run);
    if (this.#ttlMs > 0) this.#sweepTimer = new SweepTimer(this.#ttlMs, () => this.#sweepNow());
  }

  /** {@inheritDoc ConversationStore.get} */
  async get(id: string): Promise<Turn[]> {
    this.#checkOpen();
    checkId(id);
    return this.#write((nowMs) => {
      this.#expireDue(nowMs);
      const conversation = this.#sql.findConversation.get(id);
      if (conversation === undefined) return [];
      this.#sql.touch.run({ key: conversation.key, nowMs });
      return withSummary(conversation, this.#turnsOf(conversation.key));
    });
  }

  /** {@inheritDoc ConversationStore.append} */
  async append(id: string, role: Role, content: string, extra?: TurnExtras): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const contentBytes = checkTurn(role, content, this.#options.maxTurnBytes);
    // A plain turn (the common case) takes the path it took before extras existed.
    const extras = extra === undefined ? undefined : checkExtrasFit(role, extra, contentBytes, this.#options.maxTurnBytes);
    if (extras === undefined) {
      this.#write((nowMs) => this.#appendTurns(nowMs, id, [role], [content], [contentBytes], undefined));
    } else {
      this.#write((nowMs) => this.#appendTurns(nowMs, id, [role], [content], [contentBytes + extras.bytes], [extras]));
    }
  }

  /** {@inheritDoc ConversationStore.appendMany} */
  async appendMany(id: string, turns: readonly TurnInput[], options?: AppendManyOptions): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const replace = options === undefined ? 0 : checkAppendManyOptions(options);
    const batch = checkTurns(turns, this.#options.maxTurnBytes);
    if (batch.roles.length === 0) {
      if (replace > 0) this.#write((nowMs) => this.#removeNewest(nowMs, id, replace));
      return;
    }
    this.#write((nowMs) => this.#appendTurns(nowMs, id, batch.roles, batch.contents, batch.bytes, batch.extras, replace));
  }

  /** {@inheritDoc ConversationStore.pop} */
  async pop(id: string): Promise<Turn | undefined> {
    this.#checkOpen();
    checkId(id);
    return this.#write((nowMs) => this.#removeNewest(nowMs, id, 1));
  }

  /**
   * {@inheritDoc ConversationStore.compact}
   *
   * One write transaction reads the summary and the oldest turns, compares them with what the
   * caller saw, and only then deletes and sets: another process's write waits for the lock, so it
   * lands wholly before (and the comparison sees it) or wholly after (and the turns it adds stay).
   * A conflict commits nothing of its own; expired conversations found on the way are still removed.
   */
  async compact(id: string, options: CompactOptions): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const check = checkCompactOptions(options, this.#options.maxTurnBytes);
    const problem = this.#write((nowMs) => this.#compact(nowMs, id, check));
    if (problem !== undefined) throw conflictError({ id, problem });
  }

  /** {@inheritDoc ConversationStore.delete} */
  async delete(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    return this.#write((nowMs) => {
      this.#expireDue(nowMs);
      const conversation = this.#sql.conversationById.get(id);
      if (conversation === undefined) return false;
      this.#remove(conversation);
      return true;
    });
  }

  /** {@inheritDoc ConversationStore.clear} */
  async clear(): Promise<void> {
    this.#checkOpen();
    this.#write((nowMs) => {
      // Expired conversations are counted as evictions first, as by every call.
      this.#expireDue(nowMs);
      this.#sql.clearTurns.run();
      // Totals first: it remembers the largest touch order and time of the rows about to go.
      this.#sql.clearTotals.run();
      this.#sql.clearConversations.run();
    });
  }

  /** {@inheritDoc ConversationStore.size} */
  async size(): Promise<number> {
    this.#checkOpen();
    return this.#read(() => this.#sql.totals.get()!.conversations);
  }

  /**
   * {@inheritDoc ConversationStore.list}
   *
   * The cursor is the touch order of the last conversation listed: the next page starts below it,
   * so a conversation left untouched while paging shows exactly once, and one touched meanwhile
   * moves above the cursor (to the front).
   */
  async list(options?: ListOptions): Promise<ListPage> {
    this.#checkOpen();
    const { limit, cursor } = checkListOptions(options);
    let before = Number.MAX_SAFE_INTEGER;
    if (cursor !== undefined) {
      if (!CURSOR_PATTERN.test(cursor) || Number(cursor) > Number.MAX_SAFE_INTEGER) {
        throw invalidOptionError({ owner: 'list', option: 'cursor', problem: 'is not a cursor this store returned' });
      }
      before = Number(cursor);
    }
    return this.#read(() => {
      // One row more than asked says whether another page follows.
      const rows = this.#sql.page.all(before, limit + 1);
      const more = rows.length > limit;
      if (more) rows.pop();
      const items: ConversationSummary[] = rows.map((row) => ({
        id: row.id,
        turns: withSummary(row, this.#turnsOf(row.key)),
        lastAccess: row.lastAccessMs / 1000,
      }));
      return more ? { items, cursor: String(rows[rows.length - 1]!.touchOrder) } : { items };
    });
  }

  /** {@inheritDoc ConversationStore.stats} */
  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    return this.#read(() => {
      const { conversations, turns, bytes } = this.#sql.totals.get()!;
      const evictions = { ttl: 0, lru: 0, bytes: 0 };
      for (const row of this.#sql.evictionCounts.all()) evictions[row.reason as EvictionReason] = row.count;
      return { conversations, turns, bytes, evictions };
    });
  }

  /** {@inheritDoc ConversationStore.close} */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.stop();
    try {
      this.#db.close();
    } catch (error) {
      throw isBackendFailure(error) ? backendError(error, 'could not close the database') : error;
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError({ owner: 'SqliteStore' });
  }

  /**
   * Runs `work` in a write transaction (`BEGIN IMMEDIATE`: the write lock is taken first, so two
   * processes never both read and then fail to upgrade). The clock is read once the lock is held,
   * so turns of concurrent processes are stamped in the order they are stored. `onEvict` hears of
   * this call's evictions once it has committed; a rolled back call evicted nothing.
   */
  #write<T>(work: Work<T>, nowMs?: number): T {
    let result: T;
    try {
      result = this.#writeTransaction.immediate(work, nowMs) as T;
    } catch (error) {
      this.#pendingEvictions.discard();
      this.#expiryFloorMs = -Infinity;
      throw this.#failure(error);
    }
    this.#pendingEvictions.flush();
    return result;
  }

  /**
   * Runs `work` in a read transaction, which lets other processes write meanwhile. Reads must not
   * show expired conversations and must count them as evicted, which takes a write: when any are
   * due, they are removed in a write transaction first, and the read is tried again.
   */
  #read<T>(work: () => T): T {
    const nowMs = this.#clock();
    for (;;) {
      let result: T | typeof EXPIRED_FIRST;
      try {
        result = this.#readTransaction.deferred(() => (this.#hasExpired(nowMs) ? EXPIRED_FIRST : work()), nowMs) as
          T | typeof EXPIRED_FIRST;
      } catch (error) {
        throw this.#failure(error);
      }
      if (result !== EXPIRED_FIRST) return result;
      this.#write((at) => this.#expireDue(at), nowMs);
    }
  }

  /** A driver error as `TURNSTORE_BACKEND_UNAVAILABLE`; turnstore's own errors (and bugs) as they are. */
  #failure(error: unknown): unknown {
    if (error instanceof TurnstoreError || !isBackendFailure(error)) return error;
    return backendError(error, 'failed');
  }

  /**
   * Stores turns (at most the newest maxTurns of them), touches the conversation, enforces the caps.
   * `bytes` are each turn's size (content plus extras); `extras` is `undefined` when every turn is plain.
   */
  #appendTurns(
    nowMs: number,
    id: string,
    roles: readonly Role[],
    contents: readonly string[],
    bytes: readonly number[],
    extras: ReadonlyArray<StoredExtras | undefined> | undefined,
    replace = 0,
  ): void {
    const sql = this.#sql;
    const { maxTurns } = this.#options;
    this.#expireDue(nowMs);
    const first = Math.max(0, roles.length - maxTurns);
    const count = roles.length - first;
    let key: number;
    let firstSeq = 0;
    let trimmed: TurnCountRow = NOTHING_TRIMMED;
    let replaced: TurnCountRow = NOTHING_TRIMMED;
    const existing = sql.findConversation.get(id);
    if (existing === undefined) {
      key = Number(sql.createConversation.run({ id, nowMs, count }).lastInsertRowid);
    } else {
      key = existing.key;
      firstSeq = existing.nextSeq;
      if (replace > 0) {
        // The newest turns go first; the new ones take their numbers, so the turns stay one range.
        replaced = this.#deleteNewest(key, firstSeq, replace);
        firstSeq -= replaced.turns;
      }
      sql.touchForAppend.run({ key, nowMs, count: count - replaced.turns });
      // Trim before inserting: the new turns then usually fit in the space the old ones left in
      // the same page, rather than splitting it (fewer pages written per append).
      const below = firstSeq + count - maxTurns;
      if (below > 0) {
        trimmed = sql.countTurnsBelow.get(key, below)!;
        if (trimmed.turns > 0) sql.deleteTurnsBelow.run(key, below);
      }
    }
    let addedBytes = 0;
    for (let i = first; i < roles.length; i++) {
      const turnExtras = extras?.[i];
      if (turnExtras === undefined) {
        sql.insertTurn.run(key, firstSeq + i - first, roleIndex(roles[i]), contents[i]!, nowMs, bytes[i]!);
      } else {
        sql.insertTurnWithExtras.run(key, firstSeq + i - first, roleIndex(roles[i]), contents[i]!, nowMs, bytes[i]!, turnExtras.json);
      }
      addedBytes += bytes[i]!;
    }
    sql.addToTotals.run(
      existing === undefined ? 1 : 0,
      count - trimmed.turns - replaced.turns,
      addedBytes - trimmed.bytes - replaced.bytes,
    );
    this.#enforceCaps(key, firstSeq + count - 1, existing?.summaryBytes ?? 0);
  }

  /**
   * The caps, in the order of the contract, after a write to the conversation `key`: the LRU cap,
   * then the byte budget on others, then on the written conversation's own oldest turns, and then
   * its summary (`summaryBytes`, 0 without one); never its newest turn, numbered `newestSeq`, which
   * fits alone since maxTotalBytes ≥ maxTurnBytes.
   */
  #enforceCaps(key: number, newestSeq: number, summaryBytes: number): void {
    const sql = this.#sql;
    const { maxConversations, maxTotalBytes } = this.#options;
    let { conversations, bytes: totalBytes } = sql.totals.get()!;
    while (conversations > maxConversations) {
      const victim = sql.oldestOther.get(key);
      if (victim === undefined) break;
      totalBytes -= this.#evict(victim, 'lru');
      conversations--;
    }
    while (totalBytes > maxTotalBytes) {
      const victim = sql.oldestOther.get(key);
      if (victim === undefined) break;
      totalBytes -= this.#evict(victim, 'bytes');
      conversations--;
    }
    while (totalBytes > maxTotalBytes) {
      const oldest = sql.oldestTurn.get(key);
      if (oldest === undefined || oldest.seq >= newestSeq) break;
      sql.deleteTurnsBelow.run(key, oldest.seq + 1);
      sql.addToTotals.run(0, -1, -oldest.bytes);
      totalBytes -= oldest.bytes;
    }
    if (totalBytes > maxTotalBytes && summaryBytes > 0) {
      sql.setSummary.run({ key, summary: null, tsMs: null, bytes: 0 });
      sql.addToTotals.run(0, 0, -summaryBytes);
    }
  }

  /** {@link compact} inside its transaction: the conflict found, or `undefined` once compacted. */
  #compact(nowMs: number, id: string, check: CheckedCompaction): string | undefined {
    const sql = this.#sql;
    this.#expireDue(nowMs);
    const conversation = sql.findConversation.get(id);
    if (conversation === undefined) return 'it is gone: deleted, expired or evicted';
    const { key, summary } = conversation;
    const rows = sql.oldestTurns.all(key, check.covered.length);
    const held = summary === null ? undefined : { content: summary, ts: conversation.summaryTsMs! / 1000 };
    const problem = compactionConflict(check, held, rows.length, (i) => {
      const row = rows[i]!;
      return { role: row.role, content: row.content, ts: row.tsMs / 1000, extras: row.extras };
    });
    if (problem !== undefined) return problem;
    const below = rows[rows.length - 1]!.seq + 1;
    const removed = sql.countTurnsBelow.get(key, below)!;
    sql.deleteTurnsBelow.run(key, below);
    sql.setSummary.run({ key, summary: check.summary, tsMs: nowMs, bytes: check.summaryBytes });
    sql.touch.run({ key, nowMs });
    sql.addToTotals.run(0, -removed.turns, check.summaryBytes - conversation.summaryBytes - removed.bytes);
    this.#enforceCaps(key, conversation.nextSeq - 1, check.summaryBytes);
    return undefined;
  }

  /**
   * Removes the newest `count` turns of a live conversation (all of them when it holds fewer) and
   * returns the newest, touching what is left; a conversation left empty is removed, as by
   * `delete`. `undefined`, and nothing changed, for an unknown or expired id.
   */
  #removeNewest(nowMs: number, id: string, count: number): Turn | undefined {
    const sql = this.#sql;
    this.#expireDue(nowMs);
    const conversation = sql.findConversation.get(id);
    if (conversation === undefined) return undefined;
    const { key, nextSeq } = conversation;
    const newestRow = sql.newestTurn.get(key);
    // A conversation holding only a summary has no turn to remove (decision 16).
    if (newestRow === undefined) return undefined;
    const newest = decodeTurn(newestRow);
    // Emptied of turns, it is gone, unless it holds a summary.
    if (conversation.summary === null && sql.oldestTurn.get(key)!.seq >= nextSeq - count) {
      this.#remove(sql.conversationById.get(id)!);
      return newest;
    }
    const removed = this.#deleteNewest(key, nextSeq, count);
    sql.touchForAppend.run({ key, nowMs, count: -removed.turns });
    sql.addToTotals.run(0, -removed.turns, -removed.bytes);
    return newest;
  }

  /** Deletes the newest `count` turns of a conversation whose next turn is numbered `nextSeq`; returns how many went, of how many bytes. */
  #deleteNewest(key: number, nextSeq: number, count: number): TurnCountRow {
    const removed = this.#sql.countTurnsFrom.get(key, nextSeq - count)!;
    if (removed.turns > 0) this.#sql.deleteTurnsFrom.run(key, nextSeq - count);
    return removed;
  }

  /** Whether the least recently used conversation is expired (and so, possibly, others after it). */
  #hasExpired(nowMs: number): boolean {
    if (this.#ttlMs <= 0 || nowMs - this.#expiryFloorMs <= this.#ttlMs) return false;
    const oldest = this.#sql.oldest.get();
    return oldest !== undefined && !this.#isAlive(oldest, nowMs);
  }

  /**
   * Evicts every expired conversation. Last access never decreases along recency order, so they are
   * the least recently used ones: walk from the oldest until one is alive.
   */
  #expireDue(nowMs: number): void {
    if (this.#ttlMs <= 0 || nowMs - this.#expiryFloorMs <= this.#ttlMs) return;
    for (let oldest = this.#sql.oldest.get(); oldest !== undefined && !this.#isAlive(oldest, nowMs); oldest = this.#sql.oldest.get()) {
      this.#evict(oldest, 'ttl');
    }
  }

  /** Whether the oldest conversation is alive; if so, its last access becomes the expiry floor. */
  #isAlive(oldest: ConversationRow, nowMs: number): boolean {
    if (nowMs - oldest.lastAccessMs > this.#ttlMs) return false;
    this.#expiryFloorMs = oldest.lastAccessMs;
    return true;
  }

  /** Removes a conversation as an eviction: counted in the file, reported to `onEvict` after commit. Returns the bytes freed. */
  #evict(conversation: ConversationRow, reason: EvictionReason): number {
    const freed = this.#remove(conversation);
    this.#sql.countEviction.run(reason);
    this.#pendingEvictions.add(conversation.id, reason);
    return freed;
  }

  /** Removes a conversation and its turns, and takes it off the totals. Returns the bytes freed. */
  #remove(conversation: ConversationRow): number {
    const sql = this.#sql;
    const { turns, bytes } = sql.countTurnsBelow.get(conversation.key, Number.MAX_SAFE_INTEGER)!;
    sql.deleteTurnsBelow.run(conversation.key, Number.MAX_SAFE_INTEGER);
    sql.removeConversation.run(conversation.key);
    const freed = bytes + conversation.summaryBytes;
    sql.recordRemoval.run({ turns, bytes: freed, touchOrder: conversation.touchOrder, lastAccessMs: conversation.lastAccessMs });
    return freed;
  }

  /**
   * Turns of a conversation, oldest first, as fresh objects: a plain turn exactly
   * `{role, content, ts}`, a turn with extras those fields followed by its extras, parsed and frozen.
   */
  #turnsOf(key: number): Turn[] {
    return this.#sql.turnsOf.all(key).map(decodeTurn);
  }

  /** The timer's sweep: a read that finds expired conversations removes them first. */
  #sweepNow(): void {
    if (this.#closed) return;
    this.#read(() => undefined);
  }
}

/** The turns of a conversation as handed out: after its summary, when it has one. */
function withSummary(row: SummaryColumns, turns: Turn[]): Turn[] {
  if (row.summary !== null) turns.unshift(summaryTurn(row.summary, row.summaryTsMs! / 1000));
  return turns;
}

/** A stored turn as handed out: a plain turn exactly `{role, content, ts}`, a turn with extras those fields followed by its extras, parsed and frozen. */
function decodeTurn(row: TurnRow): Turn {
  return row.extras === null
    ? { role: ROLES[row.role]!, content: row.content, ts: row.tsMs / 1000 }
    : turnWithExtras(ROLES[row.role]!, row.content, row.tsMs / 1000, decodeExtras(row.extras));
}
