import { checkCompactOptions, summaryTurn } from '../core/compaction.js';
import { backendUnavailableError, closedError, conflictError, invalidOptionError, TurnstoreError } from '../core/errors.js';
import { notifyEviction } from '../core/evictions.js';
import type { ResolvedStoreOptions } from '../core/options.js';
import { SweepTimer } from '../core/sweep-timer.js';
import { checkExtrasFit, decodeExtras, turnWithExtras } from '../core/turn-extras.js';
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
import { createPool, type PostgresPoolLike, type PostgresQueryConfig } from './driver.js';
import { resolvePostgresOptions, type PostgresStoreOptions } from './options.js';
import { hash32, migrate, sqlNames } from './schema.js';
import { decodeText, encodeText } from './text-codec.js';

/** A list cursor: the touch order of the last conversation listed, in decimal. */
const CURSOR_PATTERN = /^[0-9]{1,18}$/;
/** Larger than any touch order: where the first page starts. */
const FIRST_PAGE = '9223372036854775807';

/** The operations, each one function call; `text` and `name` are built per store. */
type Operation = 'appends' | 'pop' | 'compact' | 'get' | 'gets' | 'delete' | 'clear' | 'size' | 'stats' | 'list' | 'sweep';

/** Most append (or get) calls sent together as one batch (one call of the `appends` or `gets` function). */
const MAX_BATCH_CALLS = 64;

/** A call waiting for, or part of, a batch: its bound, and where it stands. */
interface QueuedCall {
  readonly reject: (error: TurnstoreError) => void;
  /** The call's own bound, `commandTimeoutMs` from when it was made. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the batch holding it is on its way to the server (its outcome then unknown until the reply). */
  sent: boolean;
  settled: boolean;
}

/** A get call waiting for, or part of, a batch. */
interface QueuedGet extends QueuedCall {
  /** The conversation id, encoded for PostgreSQL text. */
  readonly id: string;
  readonly resolve: (turns: Turn[]) => void;
}

/**
 * Calls of one kind (appends, or gets) waiting to be sent: calls made while a batch of them is in
 * flight, or in the same tick as the first, go to the server together as the next batch.
 */
interface CallQueue<Call extends QueuedCall> {
  readonly operation: 'append' | 'get';
  readonly calls: Call[];
  /** Whether batches are being sent: then a new call only joins the queue. */
  sending: boolean;
  /** Sends one batch (the calls still waiting) and settles its calls. */
  readonly send: (calls: Call[]) => Promise<void>;
}

/** An append call waiting for, or part of, a batch. */
interface QueuedAppend extends QueuedCall {
  /** The conversation id, encoded for PostgreSQL text. */
  readonly id: string;
  readonly roles: readonly number[];
  readonly contents: readonly string[];
  readonly extras: ReadonlyArray<string | null>;
  readonly bytes: readonly number[];
  /** How many of the conversation's newest turns the call replaces (0: none). */
  readonly replace: number;
  readonly resolve: () => void;
}

/**
 * Time the first call may take beyond `commandTimeoutMs` to create or upgrade the tables: many
 * stores starting at once on a busy server take longer than a call, and only happens once.
 * Connecting is still bounded by `commandTimeoutMs` (with a pool the store creates).
 */
const MIGRATION_TIMEOUT_MS = 30_000;

/** Raised inside a call that ran out of time. */
class DeadlineExceeded extends Error {}

/**
 * Conversation memory in PostgreSQL, on `pg` (node-postgres): durable, and shared by every app
 * instance and machine that uses the same database, schema and `tablePrefix`.
 *
 * Each call is one call of a plpgsql function the store installs: one round trip and one
 * transaction, in which it expires idle conversations, does its work, and enforces the turn cap,
 * the LRU cap and the byte budget exactly — so the caps hold across processes. Appends made at
 * once share one call and one durable commit, and so do gets, each applied as if alone in the
 * order made. Writers on one conversation queue on its row lock. Time comes from the database
 * server (`clock_timestamp()`), never from the app hosts. The tables and functions are created on first use and upgraded by
 * versioned migrations. An unref'd timer removes expired conversations, one process at a time.
 *
 * When the server is unreachable, calls reject with `TURNSTORE_BACKEND_UNAVAILABLE` within
 * `commandTimeoutMs`, and the store reconnects by itself when it is back.
 *
 * @example
 * ```ts
 * import { PostgresStore } from 'turnstore/postgres';
 * const memory = new PostgresStore({ connectionString: 'postgres://bot@localhost/bot', maxTurns: 8, ttlSeconds: 3600 });
 * await memory.append('conv1', 'user', 'Hello');
 * const turns = await memory.get('conv1');
 * await memory.close();
 * ```
 */
export class PostgresStore implements ConversationStore {
  readonly #options: ResolvedStoreOptions;
  readonly #schema: string;
  readonly #tablePrefix: string;
  readonly #commandTimeoutMs: number;
  /** The pool given, or a promise of the one the store creates (pg loads on first use). */
  readonly #poolPromise: Promise<PostgresPoolLike>;
  #pool: PostgresPoolLike | undefined;
  readonly #ownsPool: boolean;
  #migration: Promise<void> | undefined;
  #migrated = false;
  readonly #statements: Record<Operation, { readonly name: string; readonly text: string }>;
  readonly #ttlMs: number;
  /** The caps as the append function takes them. */
  readonly #caps: readonly [maxTurns: number, maxConversations: number, maxTotalBytes: number];
  readonly #sweepTimer: SweepTimer | undefined;
  #closed = false;
  /** Append calls, sent a batch at a time as calls of `appends`. */
  readonly #appends: CallQueue<QueuedAppend> = {
    operation: 'append',
    calls: [],
    sending: false,
    send: (calls) => this.#sendAppends(calls),
  };
  /** Get calls, sent a batch at a time as calls of `gets` (or `get`, alone). */
  readonly #gets: CallQueue<QueuedGet> = { operation: 'get', calls: [], sending: false, send: (calls) => this.#sendGets(calls) };

  /**
   * @param options - `connectionString` or `pool`, `schema`, `tablePrefix`, `commandTimeoutMs` and
   * the shared options of SPEC §2 (except `now`: time is the server's). Anything out of rule throws
   * `TURNSTORE_INVALID_OPTION` naming the option. Nothing connects yet: the first call connects
   * and creates or upgrades the tables; without pg installed it rejects with `TURNSTORE_MISSING_PEER`.
   */
  constructor(options: PostgresStoreOptions) {
    const resolved = resolvePostgresOptions(options);
    this.#options = resolved.store;
    this.#schema = resolved.schema;
    this.#tablePrefix = resolved.tablePrefix;
    this.#commandTimeoutMs = resolved.commandTimeoutMs;
    this.#ownsPool = resolved.pool === undefined;
    if (resolved.pool !== undefined) {
      this.#pool = resolved.pool;
      this.#poolPromise = Promise.resolve(resolved.pool);
    } else {
      this.#poolPromise = createPool(resolved.connectionString!, resolved.commandTimeoutMs).then((pool) => {
        this.#pool = pool;
        return pool;
      });
      // Reported by the first call that needs the pool, not as an unhandled rejection.
      this.#poolPromise.catch(() => {});
    }
    const names = sqlNames(resolved.schema, resolved.tablePrefix);
    // Named statements are prepared once per connection; the name carries the store's tables, so
    // stores with other prefixes can share a pool.
    const tag = (hash32(`${resolved.schema}.${resolved.tablePrefix}`) >>> 0).toString(16);
    const statement = (operation: Operation, parameters: number, rows: boolean) => ({
      name: `turnstore_${operation}_${tag}`,
      text: `SELECT ${rows ? '* FROM ' : ''}${names.object(operation)}(${Array.from({ length: parameters }, (_, i) => `$${i + 1}`).join(', ')})`,
    });
    this.#statements = {
      appends: statement('appends', 11, false),
      pop: statement('pop', 3, true),
      compact: statement('compact', 12, false),
      get: statement('get', 2, true),
      gets: statement('gets', 2, true),
      delete: statement('delete', 2, false),
      clear: statement('clear', 1, false),
      size: statement('size', 1, false),
      stats: statement('stats', 1, false),
      list: statement('list', 3, true),
      sweep: statement('sweep', 1, false),
    };
    this.#ttlMs = resolved.store.ttlSeconds * 1000;
    this.#caps = [resolved.store.maxTurns, resolved.store.maxConversations, resolved.store.maxTotalBytes];
    if (this.#ttlMs > 0) this.#sweepTimer = new SweepTimer(this.#ttlMs, () => this.#sweep());
  }

  /** {@inheritDoc ConversationStore.get} */
  async get(id: string): Promise<Turn[]> {
    this.#checkOpen();
    checkId(id);
    return new Promise<Turn[]>((resolve, reject) => {
      this.#enqueue({ id: encodeText(id), resolve, reject, timer: undefined, sent: false, settled: false }, this.#gets);
    });
  }

  /**
   * Sends one batch of gets and settles its calls: one call alone goes to `get`; several go to
   * `gets`, one transaction in which each is applied as if alone, in the order made (its touch, the
   * expiries it finds).
   */
  #sendGets(calls: QueuedGet[]): Promise<void> {
    return this.#sendBatch(
      calls,
      'get',
      () =>
        calls.length === 1
          ? this.#query('get', [calls[0]!.id, this.#ttlMs])
          : this.#query('gets', [calls.map((call) => call.id), this.#ttlMs]),
      (rows) => this.#deliverGets(calls, rows),
      (call) => this.#sendGets([call]),
    );
  }

  /** Settles the calls of a batch of gets with their turns (and reports the evictions) from the function's rows. */
  #deliverGets(calls: QueuedGet[], rows: unknown[]): void {
    if (calls.length === 1) {
      const turns = this.#turnsAndEvictions(rows);
      if (this.#settle(calls[0]!)) calls[0]!.resolve(turns);
      return;
    }
    const turns: Turn[][] = calls.map(() => []);
    const evictions: unknown[] = [];
    for (const row of rows) {
      const [call, role, content, extras, tsMs] = row as [number | null, number | null, string, string | null, number | null];
      if (call === null) evictions.push(extras, content);
      else turns[call - 1]!.push(decodeTurn(role!, content, extras, tsMs!));
    }
    this.#report(evictions);
    for (const [index, call] of calls.entries()) if (this.#settle(call)) call.resolve(turns[index]!);
  }

  /** The turns of the rows of `get` or `pop`; the evictions among them (rows with a NULL role) go to `onEvict`. */
  #turnsAndEvictions(rows: unknown[]): Turn[] {
    const turns: Turn[] = [];
    const evictions: unknown[] = [];
    for (const row of rows) {
      const [role, content, extras, tsMs] = row as [number | null, string, string | null, number | null];
      if (role === null) evictions.push(extras, content);
      else turns.push(decodeTurn(role, content, extras, tsMs!));
    }
    this.#report(evictions);
    return turns;
  }

  /** {@inheritDoc ConversationStore.append} */
  async append(id: string, role: Role, content: string, extra?: TurnExtras): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const contentBytes = checkTurn(role, content, this.#options.maxTurnBytes);
    const extras = checkExtrasFit(role, extra, contentBytes, this.#options.maxTurnBytes);
    const bytes = extras === undefined ? contentBytes : contentBytes + extras.bytes;
    await this.#write(id, [roleIndex(role)], [encodeText(content)], [extras?.json ?? null], [bytes], 0);
  }

  /** {@inheritDoc ConversationStore.appendMany} */
  async appendMany(id: string, turns: readonly TurnInput[], options?: AppendManyOptions): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const replace = options === undefined ? 0 : checkAppendManyOptions(options);
    const batch = checkTurns(turns, this.#options.maxTurnBytes);
    if (batch.roles.length === 0) {
      if (replace > 0) await this.#removeNewest(id, replace);
      return;
    }
    const roles: number[] = [];
    const contents: string[] = [];
    const extras: Array<string | null> = [];
    const bytes: number[] = [];
    // Turns the cap would drop within this batch are never sent.
    for (let i = Math.max(0, batch.roles.length - this.#options.maxTurns); i < batch.roles.length; i++) {
      roles.push(roleIndex(batch.roles[i]));
      contents.push(encodeText(batch.contents[i]!));
      extras.push(batch.extras[i]?.json ?? null);
      bytes.push(batch.bytes[i]!);
    }
    await this.#write(id, roles, contents, extras, bytes, replace);
  }

  /**
   * Queues an append call. Calls made while a batch is in flight, or in the same tick as the first,
   * go to the server together as one call of the `appends` function: one transaction, one durable
   * commit, each call applied as if alone, in the order made. Each call resolves once that commit
   * is done, and rejects within `commandTimeoutMs` of being made. `replace` is how many of the
   * newest turns go first (`replaceNewest`; 0 for a plain append), within the call's own step.
   */
  #write(id: string, roles: number[], contents: string[], extras: Array<string | null>, bytes: number[], replace: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call: QueuedAppend = {
        id: encodeText(id),
        roles,
        contents,
        extras,
        bytes,
        replace,
        resolve,
        reject,
        timer: undefined,
        sent: false,
        settled: false,
      };
      this.#enqueue(call, this.#appends);
    });
  }

  /** Sends one batch of appends (one call of `appends`) and settles its calls. */
  #sendAppends(calls: QueuedAppend[]): Promise<void> {
    return this.#sendBatch(
      calls,
      'append',
      () =>
        this.#query('appends', [
          calls.map((call) => call.id),
          calls.map((call) => call.roles.length),
          calls.map((call) => call.replace),
          ...this.#caps,
          this.#ttlMs,
          calls.flatMap((call) => call.roles),
          calls.flatMap((call) => call.contents),
          calls.flatMap((call) => call.extras),
          calls.flatMap((call) => call.bytes),
        ]),
      (rows) => {
        for (const [index, call] of calls.entries()) {
          // Reported even to a call that gave up waiting: the evictions happened.
          this.#report((rows[index] as [string[]])[0]);
          if (this.#settle(call)) call.resolve();
        }
      },
      (call) => this.#sendAppends([call]),
    );
  }

  /**
   * Sends one batch — the calls of `batch` still waiting — with `send`, and settles its calls
   * with `deliver`. A batch the server rolled back (an error it reported, so nothing of it
   * committed) is sent again call by call with `resend`, in order, so that one failing call does
   * not fail the others; an outcome the store cannot know (no reply in time, a lost connection)
   * rejects every call of the batch.
   */
  async #sendBatch<Call extends QueuedCall>(
    batch: Call[],
    operation: 'append' | 'get',
    send: () => Promise<unknown[]>,
    deliver: (rows: unknown[]) => void,
    resend: (call: Call) => Promise<void>,
  ): Promise<void> {
    if (batch.length === 0) return;
    for (const call of batch) call.sent = true;
    let rows: unknown[];
    try {
      rows = await send();
    } catch (error) {
      if (batch.length > 1 && rolledBack(error)) {
        for (const call of batch) call.sent = false;
        // A call whose bound ran out meanwhile was settled (not sent): it stays unsent.
        for (const call of batch) if (!call.settled) await resend(call);
        return;
      }
      const failure = this.#failure(error, operation);
      for (const call of batch) this.#settle(call, failure);
      return;
    }
    deliver(rows);
  }

  /**
   * Puts a call in its queue, with its own bound (`commandTimeoutMs` from now), and starts sending
   * the queue's batches (from the next microtask, so calls of the same tick join) unless it is.
   */
  #enqueue<Call extends QueuedCall>(call: Call, queue: CallQueue<Call>): void {
    call.timer = setTimeout(
      () => this.#callTimedOut(call, queue),
      this.#migrated ? this.#commandTimeoutMs : this.#commandTimeoutMs + MIGRATION_TIMEOUT_MS,
    );
    queue.calls.push(call);
    if (!queue.sending) {
      queue.sending = true;
      queueMicrotask(() => void this.#drain(queue));
    }
  }

  /** Sends a queue's calls, a batch at a time (those still waiting), until none are left. */
  async #drain<Call extends QueuedCall>(queue: CallQueue<Call>): Promise<void> {
    try {
      while (queue.calls.length > 0) {
        const waiting = queue.calls.splice(0, MAX_BATCH_CALLS).filter((call) => !call.settled);
        await queue.send(waiting);
      }
    } finally {
      queue.sending = false;
    }
  }

  /**
   * Marks a call settled, rejecting it with `failure` if given. Returns whether the caller should
   * resolve it: false when it was settled already (its bound ran out) or has failed.
   */
  #settle(call: QueuedCall, failure?: TurnstoreError): boolean {
    if (call.settled) return false;
    call.settled = true;
    clearTimeout(call.timer);
    if (failure === undefined) return true;
    call.reject(failure);
    return false;
  }

  /** A call's own bound ran out: unsent, it leaves the queue (not done); sent, its outcome is unknown. */
  #callTimedOut<Call extends QueuedCall>(call: Call, queue: CallQueue<Call>): void {
    if (call.settled) return;
    const { operation } = queue;
    if (call.sent) {
      this.#settle(call, this.#failure(new DeadlineExceeded(), operation));
      return;
    }
    const at = queue.calls.indexOf(call);
    if (at >= 0) queue.calls.splice(at, 1);
    this.#settle(
      call,
      backendUnavailableError({
        backend: 'PostgreSQL',
        problem: `did not take ${operation} within ${this.#migrated ? `commandTimeoutMs (${this.#commandTimeoutMs} ms)` : 'the time allowed to create the tables'}: the ${operation}s sent before it were still running; it was not sent.`,
      }),
    );
  }

  /** {@inheritDoc ConversationStore.pop} */
  async pop(id: string): Promise<Turn | undefined> {
    this.#checkOpen();
    checkId(id);
    return this.#removeNewest(id, 1);
  }

  /** Removes the newest `count` turns of a live conversation; returns the newest of them. */
  async #removeNewest(id: string, count: number): Promise<Turn | undefined> {
    const rows = await this.#run('pop', [encodeText(id), count, this.#ttlMs]);
    return this.#turnsAndEvictions(rows)[0];
  }

  /**
   * {@inheritDoc ConversationStore.compact}
   *
   * One call of the `compact` function, which locks the conversation's row (as every write does)
   * before it compares and replaces: appends from any process run wholly before it (and the
   * comparison sees what they trimmed) or wholly after it (and their turns stay).
   */
  async compact(id: string, options: CompactOptions): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const check = checkCompactOptions(options, this.#options.maxTurnBytes);
    const seen = check.seenSummary;
    const reply = await this.#array('compact', [
      encodeText(id),
      this.#caps[1],
      this.#caps[2],
      this.#ttlMs,
      seen === undefined ? null : encodeText(seen.content),
      seen === undefined ? null : wholeMs(seen.ts),
      check.covered.map((turn) => turn.role),
      check.covered.map((turn) => encodeText(turn.content)),
      check.covered.map((turn) => turn.extras),
      check.covered.map((turn) => wholeMs(turn.ts)),
      encodeText(check.summary),
      check.summaryBytes,
    ]);
    this.#report(reply, 1);
    if (reply[0] !== '') throw conflictError({ id, problem: reply[0]! });
  }

  /** {@inheritDoc ConversationStore.delete} */
  async delete(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    const reply = await this.#array('delete', [encodeText(id), this.#ttlMs]);
    this.#report(reply, 1);
    return reply[0] === '1';
  }

  /**
   * {@inheritDoc ConversationStore.clear}
   *
   * Removes this store's conversations only (its schema and table prefix); eviction counts stay.
   */
  async clear(): Promise<void> {
    this.#checkOpen();
    this.#report(await this.#array('clear', [this.#ttlMs]));
  }

  /** {@inheritDoc ConversationStore.size} */
  async size(): Promise<number> {
    this.#checkOpen();
    const reply = await this.#array('size', [this.#ttlMs]);
    this.#report(reply, 1);
    return Number(reply[0]);
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
    if (cursor !== undefined && !CURSOR_PATTERN.test(cursor)) {
      throw invalidOptionError({ owner: 'list', option: 'cursor', problem: 'is not a cursor this store returned' });
    }
    const rows = await this.#run('list', [cursor ?? FIRST_PAGE, limit, this.#ttlMs]);
    const evictions: unknown[] = [];
    const items: Array<ConversationSummary & { turns: Turn[] }> = [];
    let lastOrder: string | undefined;
    let more = false;
    for (const row of rows) {
      const [touchOrder, id, lastAccessMs, role, content, extras, tsMs] = row as [
        string | null,
        string,
        number,
        number | null,
        string,
        string | null,
        number,
      ];
      if (touchOrder === null) {
        evictions.push(extras, id);
      } else if (role === null) {
        more = true; // the conversation past the limit: only says that more follow
      } else {
        if (touchOrder !== lastOrder) {
          items.push({ id: decodeText(id), turns: [], lastAccess: lastAccessMs / 1000 });
          lastOrder = touchOrder;
        }
        items[items.length - 1]!.turns.push(decodeTurn(role, content, extras, tsMs));
      }
    }
    this.#report(evictions);
    return more ? { items, cursor: lastOrder! } : { items };
  }

  /** {@inheritDoc ConversationStore.stats} */
  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    const reply = await this.#array('stats', [this.#ttlMs]);
    this.#report(reply, 6);
    const [conversations, turns, bytes, ttl, lru, bytesEvicted] = reply.slice(0, 6).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { conversations, turns, bytes, evictions: { ttl, lru, bytes: bytesEvicted } };
  }

  /**
   * {@inheritDoc ConversationStore.close}
   *
   * Ends the pool the store created from `connectionString`; a `pool` you passed stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.stop();
    if (!this.#ownsPool) return;
    let pool: PostgresPoolLike;
    try {
      pool = await this.#poolPromise;
    } catch {
      return; // pg never loaded: nothing was opened
    }
    try {
      await pool.end?.();
    } catch (error) {
      throw backendUnavailableError({ backend: 'PostgreSQL', problem: `pool failed to close: ${messageOf(error)}` }, { cause: error });
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError({ owner: 'PostgresStore' });
  }

  /** Runs an operation whose function returns one `text[]`. */
  async #array(operation: Operation, values: unknown[]): Promise<string[]> {
    const rows = await this.#run(operation, values);
    return (rows[0] as [string[]])[0];
  }

  /**
   * Runs one operation's function and returns its rows (as arrays), within `commandTimeoutMs` in
   * all — the pool (loading pg), the migration on first use, the connection and the reply — and
   * turns any failure into a {@link TurnstoreError}.
   */
  async #run(operation: Operation, values: unknown[]): Promise<unknown[]> {
    try {
      return await this.#query(operation, values);
    } catch (error) {
      throw this.#failure(error, operation);
    }
  }

  /** {@link #run} without turning failures into a {@link TurnstoreError}. */
  async #query(operation: Operation, values: unknown[]): Promise<unknown[]> {
    const { name, text } = this.#statements[operation];
    const query: PostgresQueryConfig = { name, text, values, rowMode: 'array' };
    const pool = this.#pool;
    const ready = pool !== undefined && this.#migrated;
    const work = ready ? pool.query(query) : this.#prepareThenQuery(query);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeadlineExceeded()),
        ready ? this.#commandTimeoutMs : this.#commandTimeoutMs + MIGRATION_TIMEOUT_MS,
      );
    });
    try {
      return (await Promise.race([work, deadline])).rows;
    } catch (error) {
      // The work may still fail after the deadline: that failure was reported already.
      work.catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The first calls: wait for the pool, create or upgrade the tables (once per store), then query. */
  async #prepareThenQuery(query: PostgresQueryConfig): Promise<{ rows: unknown[] }> {
    const pool = await this.#poolPromise;
    if (!this.#migrated) {
      this.#migration ??= migrate(pool, this.#schema, this.#tablePrefix).then(
        () => {
          this.#migrated = true;
        },
        (error: unknown) => {
          this.#migration = undefined; // the next call tries again (the server may be back)
          throw error;
        },
      );
      await this.#migration;
    }
    return pool.query(query);
  }

  #failure(error: unknown, operation: Operation | 'append'): TurnstoreError {
    if (error instanceof TurnstoreError) return error;
    if (this.#closed) return closedError({ owner: 'PostgresStore', during: operation }, { cause: error });
    if (error instanceof DeadlineExceeded) {
      return backendUnavailableError({
        backend: 'PostgreSQL',
        problem: `did not answer ${operation} within ${this.#migrated ? `commandTimeoutMs (${this.#commandTimeoutMs} ms)` : 'the time allowed to create the tables'}; whether the call took effect is unknown.`,
      });
    }
    const code = (error as { code?: unknown }).code;
    return backendUnavailableError(
      { backend: 'PostgreSQL', problem: `failed during ${operation}${typeof code === 'string' ? ` (${code})` : ''}: ${messageOf(error)}` },
      { cause: error },
    );
  }

  /**
   * Tells `onEvict` about the evictions a function reported (`reason, id, …` from `from` on), once
   * the call is done, so a listener may itself use the store.
   */
  #report(evictions: readonly unknown[], from = 0): void {
    const listener = this.#options.onEvict;
    if (listener === undefined || evictions.length <= from) return;
    for (let i = from; i + 1 < evictions.length; i += 2) {
      notifyEviction(listener, decodeText(evictions[i + 1] as string), evictions[i] as EvictionReason);
    }
  }

  /**
   * The periodic sweep: removes expired conversations even when no call comes, one process at a
   * time (an advisory lock; the others skip). It waits for the store's first call (no connection
   * before), and stays quiet during an outage: the calls report that.
   */
  async #sweep(): Promise<void> {
    if (this.#closed || !this.#migrated) return;
    try {
      this.#report(await this.#array('sweep', [this.#ttlMs]));
    } catch (error) {
      if (error instanceof TurnstoreError && (error.code === 'TURNSTORE_BACKEND_UNAVAILABLE' || error.code === 'TURNSTORE_CLOSED')) return;
      throw error;
    }
  }
}

/** A time handed out in seconds, as the whole milliseconds stored; `null` (which matches none) when it is not a whole millisecond. */
function wholeMs(ts: number): number | null {
  const ms = Math.round(ts * 1000);
  return ms / 1000 === ts ? ms : null;
}

/** The role the functions give a conversation's summary row. */
const SUMMARY_ROLE = -1;

/** A stored turn as handed out: `{role, content, ts}`, plus its extras when it has any; the summary as `get` hands it out. */
function decodeTurn(role: number, content: string, extras: string | null, tsMs: number): Turn {
  const text = decodeText(content);
  if (role === SUMMARY_ROLE) return summaryTurn(text, tsMs / 1000);
  if (extras === null) return { role: ROLES[role]!, content: text, ts: tsMs / 1000 };
  return turnWithExtras(ROLES[role]!, text, tsMs / 1000, decodeExtras(extras));
}

/**
 * Whether the server reported an error in the statement itself (a SQLSTATE and a severity, which
 * only the server's errors carry): its transaction was rolled back, nothing of it committed. Not
 * so for a lost connection, a FATAL or PANIC error, or the classes that say the server or its
 * connection failed (08 connection, 57 operator intervention — shutdown, and the statement
 * timeout, which used up the time allowed —, 58 system error, XX internal): the outcome may be
 * unknown there, and a retry would not do better.
 */
function rolledBack(error: unknown): boolean {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  return (
    typeof severity === 'string' &&
    severity !== 'FATAL' &&
    severity !== 'PANIC' &&
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    !['08', '57', '58', 'XX'].includes(code.slice(0, 2))
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
