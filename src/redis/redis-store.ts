import { checkCompactOptions } from '../core/compaction.js';
import { backendUnavailableError, closedError, conflictError, invalidOptionError, TurnstoreError } from '../core/errors.js';
import type { ResolvedStoreOptions } from '../core/options.js';
import { SweepTimer } from '../core/sweep-timer.js';
import { checkExtrasFit, type StoredExtras } from '../core/turn-extras.js';
import type {
  AppendManyOptions,
  CompactOptions,
  ConversationStore,
  ConversationSummary,
  EvictionReason,
  ListOptions,
  ListPage,
  Role,
  StoreStats,
  Turn,
  TurnExtras,
  TurnInput,
} from '../core/types.js';
import { checkAppendManyOptions, checkId, checkListOptions, checkTurn, checkTurns, roleIndex } from '../core/validate.js';
import { CommandTimeout, RedisConnection, Unreachable } from './connection.js';
import type { LuaScript } from './lua-script.js';
import { resolveRedisOptions, type RedisStoreOptions } from './options.js';
import { SCRIPTS } from './scripts.js';
import { decodeTurn, decodeTurns, elementOfSeen, elementOfSummary, turnBody, turnHeader } from './turn-codec.js';
import { notifyEviction } from '../core/evictions.js';

/** Longest TTL handed to PEXPIRE (about 31,700 years): beyond it Redis would overflow. */
const MAX_TTL_MS = 1e15;

type Evictions = readonly string[];

/** The evictions of a call that evicted nothing. */
const NO_EVICTIONS: Evictions = Object.freeze([]);

/** An append call waiting, on its connection, for the next script run of appends. */
interface PendingAppend {
  readonly id: string;
  /** The turns as the append script takes them: header, body, header, body… */
  readonly turns: readonly string[];
  /** How many of the conversation's newest turns the call replaces first (`replaceNewest`; 0: none). */
  readonly replace: number;
  readonly resolve: (evictions: Evictions) => void;
  readonly reject: (error: TurnstoreError) => void;
}

/** The append calls waiting on one connection, oldest first. */
interface AppendQueue {
  readonly calls: PendingAppend[];
  /**
   * When the first of them stops waiting (a `performance.now()` reading): every call has the same
   * bound, so the first one made is the first one due, and the run's time limit.
   */
  readonly deadline: number;
}

/**
 * Conversation memory in Redis, shared by every app instance and machine that uses the same
 * server and `prefix`.
 *
 * Each call is one Lua script, run atomically by Redis in one round trip (EVALSHA, with EVAL
 * when the server lost its script cache): append + trim + TTL + LRU bookkeeping + eviction
 * together, so the caps hold across processes. Time comes from the Redis server (`TIME`), never
 * from the app hosts, so instances with skewed clocks agree. Idle conversations are PEXPIREd by
 * Redis itself. Keys carry the hash tag `{prefix}`, so the scripts work on Redis Cluster too.
 *
 * When Redis is unreachable, calls reject with `TURNSTORE_BACKEND_UNAVAILABLE` within
 * `commandTimeoutMs`, and the store reconnects by itself when Redis is back.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'turnstore/redis';
 * const memory = new RedisStore({ url: 'redis://127.0.0.1:6379', maxTurns: 8, ttlSeconds: 3600 });
 * await memory.append('conv1', 'user', 'Hello');
 * const turns = await memory.get('conv1');
 * await memory.close();
 * ```
 */
export class RedisStore implements ConversationStore {
  readonly #options: ResolvedStoreOptions;
  /** One, or (from `url`) `connections` of them; a conversation's calls always take the same one. */
  readonly #connections: readonly RedisConnection[];
  readonly #commandTimeoutMs: number;
  readonly #sweepTimer: SweepTimer | undefined;
  #closed = false;
  /**
   * Per connection, the appends made since its last script run of appends was sent: they go
   * together at the next turn of the event loop (or before any other call on that connection).
   */
  readonly #pending: Array<AppendQueue | undefined>;

  // Key names and the script arguments every call shares, built once.
  readonly #conversationKeyPrefix: string;
  readonly #indexKeys: readonly [lru: string, bytes: string, turns: string, meta: string];
  readonly #ttlArgument: string;
  readonly #capArguments: readonly [maxTurns: string, maxConversations: string, maxTotalBytes: string];

  /**
   * @param options - `url` or `client`, `prefix`, `commandTimeoutMs` and the shared options of
   * SPEC §2 (except `now`: time is the server's). Anything out of rule throws
   * `TURNSTORE_INVALID_OPTION` naming the option. Nothing connects yet: a store created with
   * `url` starts loading node-redis now and connects on its first call.
   */
  constructor(options: RedisStoreOptions) {
    const resolved = resolveRedisOptions(options);
    this.#options = resolved.store;
    this.#commandTimeoutMs = resolved.commandTimeoutMs;
    this.#connections = Array.from({ length: resolved.connections }, () => new RedisConnection(resolved, resolved.commandTimeoutMs));
    for (const connection of this.#connections) connection.preload();
    this.#pending = this.#connections.map(() => undefined);
    const tag = `{${resolved.prefix}}`;
    this.#conversationKeyPrefix = `${tag}:c:`;
    this.#indexKeys = [`${tag}:lru`, `${tag}:bytes`, `${tag}:turns`, `${tag}:meta`];
    const ttlMs = this.#options.ttlSeconds * 1000;
    this.#ttlArgument = String(redisTtlMs(this.#options.ttlSeconds));
    this.#capArguments = [String(this.#options.maxTurns), String(this.#options.maxConversations), String(this.#options.maxTotalBytes)];
    if (ttlMs > 0) this.#sweepTimer = new SweepTimer(ttlMs, () => this.#sweep());
  }

  /** {@inheritDoc ConversationStore.get} */
  async get(id: string): Promise<Turn[]> {
    this.#checkOpen();
    checkId(id);
    const reply = (await this.#run(SCRIPTS.get, id, [id])) as Array<string | Evictions>;
    // The turns, then an array of evictions only when there were any.
    if (reply.length > 0 && Array.isArray(reply[reply.length - 1])) this.#report(reply.pop() as Evictions);
    return decodeTurns(reply as string[]);
  }

  /** {@inheritDoc ConversationStore.append} */
  async append(id: string, role: Role, content: string, extra?: TurnExtras): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const contentBytes = checkTurn(role, content, this.#options.maxTurnBytes);
    let extras: StoredExtras | undefined;
    if (extra !== undefined) extras = checkExtrasFit(role, extra, contentBytes, this.#options.maxTurnBytes);
    this.#report(await this.#append(id, [turnHeader(roleIndex(role), extras), turnBody(content, extras)], 0));
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
    const args: string[] = [];
    // Turns the cap would drop within this batch are never sent.
    for (let i = Math.max(0, batch.roles.length - this.#options.maxTurns); i < batch.roles.length; i++) {
      const extras = batch.extras[i];
      args.push(turnHeader(roleIndex(batch.roles[i]), extras), turnBody(batch.contents[i]!, extras));
    }
    this.#report(await this.#append(id, args, replace));
  }

  /**
   * Queues an append call on its conversation's connection. The calls queued on a connection in
   * one turn of the event loop go to Redis as one script run: alone, the append script; several,
   * the appends script, which runs each as the append script would, in the order made — one
   * EVALSHA, one TIME and one expiry check for all of them. A `replaceNewest` call carries its
   * count along, so its removal happens in its place among them. Any other call on the connection
   * (`pop`, `get`, …) sends the queued appends first.
   */
  #append(id: string, turns: readonly string[], replace: number): Promise<Evictions> {
    const lane = laneOf(id, this.#connections.length);
    return new Promise<Evictions>((resolve, reject) => {
      let queue = this.#pending[lane];
      if (queue === undefined) {
        queue = this.#pending[lane] = { calls: [], deadline: performance.now() + this.#commandTimeoutMs };
        setImmediate(() => this.#flush(lane));
      }
      queue.calls.push({ id, turns, replace, resolve, reject });
    });
  }

  /** Sends the appends queued on a connection, if any: calls made later on it run after them. */
  #flush(lane: number): void {
    const queue = this.#pending[lane];
    if (queue === undefined) return;
    this.#pending[lane] = undefined;
    this.#sendAppends(lane, queue.calls, queue.deadline);
  }

  /** One script run of appends: the append script for one call, the appends script for several. */
  #sendAppends(lane: number, calls: readonly PendingAppend[], deadline: number): void {
    const send = this.#connections[lane]!.send;
    const prefix = this.#conversationKeyPrefix;
    const [lru, bytes, turns, meta] = this.#indexKeys;
    const [maxTurns, maxConversations, maxTotalBytes] = this.#capArguments;
    if (calls.length === 1) {
      const call = calls[0]!;
      const command = SCRIPTS.append.command(5);
      command.push(lru, bytes, turns, meta, prefix + call.id);
      command.push(prefix, this.#ttlArgument, call.id, maxTurns, maxConversations, maxTotalBytes, String(call.replace));
      for (const part of call.turns) command.push(part);
      SCRIPTS.append.runCommand(send, command, deadline).then(
        (evictions) => call.resolve(evictions as Evictions),
        (error: unknown) => call.reject(this.#failure(error, SCRIPTS.append)),
      );
      return;
    }
    const command = SCRIPTS.appends.command(4 + calls.length);
    command.push(lru, bytes, turns, meta);
    for (const call of calls) command.push(prefix + call.id);
    command.push(prefix, this.#ttlArgument, maxTurns, maxConversations, maxTotalBytes);
    for (const call of calls) {
      command.push(call.id, call.turns.length === 2 ? '1' : String(call.turns.length / 2), call.replace === 0 ? '0' : String(call.replace));
      for (const part of call.turns) command.push(part);
    }
    SCRIPTS.appends.runCommand(send, command, deadline).then(
      (replies) => {
        // 0: no call evicted anything or failed.
        if (replies === 0) {
          for (const call of calls) call.resolve(NO_EVICTIONS);
          return;
        }
        for (let index = 0; index < calls.length; index++) {
          const call = calls[index]!;
          const reply = (replies as Evictions[])[index]!;
          if (reply[0] === '!') call.reject(backendUnavailableError({ backend: 'Redis', problem: `failed during append: ${reply[1]}` }));
          else call.resolve(reply);
        }
      },
      (error: unknown) => {
        const failure = this.#failure(error, SCRIPTS.append);
        for (const call of calls) call.reject(failure);
      },
    );
  }

  /** {@inheritDoc ConversationStore.pop} */
  async pop(id: string): Promise<Turn | undefined> {
    this.#checkOpen();
    checkId(id);
    const newest = await this.#removeNewest(id, 1);
    return newest === null ? undefined : decodeTurn(newest);
  }

  /** Removes the newest `count` turns of a live conversation; the newest one's element, or null for none. */
  async #removeNewest(id: string, count: number): Promise<string | null> {
    const reply = (await this.#run(SCRIPTS.pop, id, [id, String(count)])) as [string | null, ...string[]];
    this.#report(reply, 1);
    return reply[0];
  }

  /**
   * {@inheritDoc ConversationStore.compact}
   *
   * One script compares the list's first elements with what the caller saw (encoded as stored)
   * and only then replaces them by the summary: appends from any process run wholly before it
   * (and the comparison sees what they trimmed) or wholly after it (and their turns stay).
   */
  async compact(id: string, options: CompactOptions): Promise<void> {
    this.#checkOpen();
    checkId(id);
    const check = checkCompactOptions(options, this.#options.maxTurnBytes);
    const seen = check.seenSummary === undefined ? '' : elementOfSummary(check.seenSummary);
    const covered = check.covered.map(elementOfSeen);
    const reply = (await this.#run(SCRIPTS.compact, id, [id, this.#capArguments[2], seen, check.summary, ...covered])) as [
      string,
      ...string[],
    ];
    this.#report(reply, 1);
    if (reply[0] !== '') throw conflictError({ id, problem: reply[0] });
  }

  /** {@inheritDoc ConversationStore.delete} */
  async delete(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    const reply = (await this.#run(SCRIPTS.delete, id, [id])) as [number, ...string[]];
    this.#report(reply, 1);
    return reply[0] === 1;
  }

  /**
   * {@inheritDoc ConversationStore.clear}
   *
   * Removes this prefix's conversations only; other prefixes and other keys in the same Redis
   * are untouched. Eviction counts are kept (`stats().evictions` counts since creation).
   */
  async clear(): Promise<void> {
    this.#checkOpen();
    this.#report((await this.#run(SCRIPTS.clear, undefined, [])) as Evictions);
  }

  /** {@inheritDoc ConversationStore.size} */
  async size(): Promise<number> {
    this.#checkOpen();
    const reply = (await this.#run(SCRIPTS.size, undefined, [])) as [number, ...string[]];
    this.#report(reply, 1);
    return reply[0];
  }

  /**
   * {@inheritDoc ConversationStore.list}
   *
   * The cursor is a place in touch order (a recency score), so paging stays correct while
   * other calls go on: a conversation left untouched while paging shows exactly once.
   */
  async list(options?: ListOptions): Promise<ListPage> {
    this.#checkOpen();
    const { limit, cursor } = checkListOptions(options);
    if (cursor !== undefined && !/^[0-9]{1,17}$/.test(cursor)) {
      throw invalidOptionError({ owner: 'list', option: 'cursor', problem: 'is not a cursor this store returned' });
    }
    const [evictions, rows, next] = (await this.#run(SCRIPTS.list, undefined, [cursor ?? '', String(limit)])) as [
      Evictions,
      Array<[string, number, string[]]>,
      string | null,
    ];
    this.#report(evictions);
    const items: ConversationSummary[] = rows.map(([id, lastAccessMs, elements]) => ({
      id,
      turns: decodeTurns(elements),
      lastAccess: lastAccessMs / 1000,
    }));
    return next === null ? { items } : { items, cursor: next };
  }

  /** {@inheritDoc ConversationStore.stats} */
  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    const reply = (await this.#run(SCRIPTS.stats, undefined, [])) as [number, number, number, number, number, number, ...string[]];
    this.#report(reply, 6);
    const [conversations, turns, bytes, ttl, lru, bytesEvicted] = reply;
    return { conversations, turns, bytes, evictions: { ttl, lru, bytes: bytesEvicted } };
  }

  /**
   * {@inheritDoc ConversationStore.close}
   *
   * Closes the connections the store opened from `url`; a `client` you passed stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.stop();
    // Appends made before close() are sent; their replies come before the connections close.
    for (let lane = 0; lane < this.#pending.length; lane++) this.#flush(lane);
    await Promise.all(this.#connections.map((connection) => connection.close()));
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError({ owner: 'RedisStore' });
  }

  /**
   * Runs a script with the index keys (and the conversation's key, when the call has an id) and
   * turns any failure into a {@link TurnstoreError}.
   */
  async #run(script: LuaScript, id: string | undefined, args: string[]): Promise<unknown> {
    const keys = id === undefined ? this.#indexKeys : [...this.#indexKeys, this.#conversationKeyPrefix + id];
    const deadline = performance.now() + this.#commandTimeoutMs;
    // Appends made before this call on its connection go first, as they would without combining.
    const lane = id === undefined ? undefined : laneOf(id, this.#connections.length);
    if (lane === undefined) for (let each = 0; each < this.#pending.length; each++) this.#flush(each);
    else this.#flush(lane);
    try {
      const connection = lane === undefined ? this.#anyConnection() : this.#connections[lane]!;
      return await script.run(connection.send, keys, [this.#conversationKeyPrefix, this.#ttlArgument, ...args], deadline);
    } catch (error) {
      throw this.#failure(error, script);
    }
  }

  /** For a call without a conversation: a connection already open if there is one, so the sweep or a `size` opens none of its own. */
  #anyConnection(): RedisConnection {
    const connections = this.#connections;
    for (const connection of connections) if (connection.opened) return connection;
    return connections[0]!;
  }

  #failure(error: unknown, script: LuaScript): TurnstoreError {
    if (error instanceof TurnstoreError) return error;
    if (this.#closed) return closedError({ owner: 'RedisStore', during: script.name }, { cause: error });
    if (error instanceof Unreachable)
      return backendUnavailableError({ backend: 'Redis', problem: `${error.message} (${script.name} not sent).` }, { cause: error.cause });
    if (error instanceof CommandTimeout) {
      return backendUnavailableError(
        { backend: 'Redis', problem: `${error.message} (${script.name}); whether the call took effect is unknown.` },
        { cause: error.cause },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      message === 'The client is closed' ? ' (a client passed with the "client" option must be connected: await client.connect())' : '';
    return backendUnavailableError({ backend: 'Redis', problem: `failed during ${script.name}: ${message}${hint}` }, { cause: error });
  }

  /**
   * Tells `onEvict` about the evictions a script reported, once the call is done, so a listener
   * may itself use the store. One that throws cannot fail the call: its error becomes a warning.
   */
  #report(evictions: ReadonlyArray<unknown>, from = 0): void {
    const listener = this.#options.onEvict;
    if (listener === undefined || evictions.length <= from) return;
    for (let i = from; i < evictions.length; i += 2) {
      const reason = evictions[i] as EvictionReason;
      const id = evictions[i + 1] as string;
      notifyEviction(listener, id, reason);
    }
  }

  /**
   * The periodic sweep: Redis frees expired turns itself, this forgets them from the index and
   * reports them to `onEvict` even when no call comes. It waits for the store's first call (no
   * connection before), and stays quiet during an outage: the calls report that.
   */
  async #sweep(): Promise<void> {
    if (this.#closed || !this.#connections.some((connection) => connection.opened)) return;
    try {
      this.#report((await this.#run(SCRIPTS.size, undefined, [])) as unknown[], 1);
    } catch (error) {
      if (error instanceof TurnstoreError && (error.code === 'TURNSTORE_BACKEND_UNAVAILABLE' || error.code === 'TURNSTORE_CLOSED')) return;
      throw error;
    }
  }
}

/**
 * Which of `lanes` connections carries the calls on conversation `id`: a hash of the id, so the
 * same id always takes the same connection and its calls run in the order made.
 */
export function laneOf(id: string, lanes: number): number {
  if (lanes === 1) return 0;
  // FNV-1a over the UTF-16 code units, then a final mix, so every bit of every character reaches
  // the low bits the modulo keeps (with a plain × 31 hash, two lanes would split by parity alone).
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x45d9f3b);
  hash ^= hash >>> 16;
  return (hash >>> 0) % lanes;
}

/**
 * The TTL handed to PEXPIRE, or 0 for never. Redis expires a key when its idle time in whole
 * milliseconds exceeds this, so the floor keeps "expired when idle > ttl" for fractional
 * milliseconds too; the small epsilon undoes float noise (0.3 * 1000 is 300.00000000000006).
 */
export function redisTtlMs(ttlSeconds: number): number {
  if (ttlSeconds === 0) return 0;
  return Math.min(MAX_TTL_MS, Math.max(1, Math.floor(ttlSeconds * 1000 + 1e-6)));
}
