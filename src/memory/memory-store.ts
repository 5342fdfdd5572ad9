import { closedError, conflictError, invalidOptionError } from '../core/errors.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from '../core/options.js';
import { checkCompactOptions, compactionConflict, seenOf } from '../core/compaction.js';
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
import { checkExtrasFit, type StoredExtras } from '../core/turn-extras.js';
import { MAX_ID_LENGTH, checkAppendManyOptions, checkId, checkListOptions, checkTurn, checkTurns, roleIndex } from '../core/validate.js';
import { SweepTimer } from '../core/sweep-timer.js';
import { ConversationTable, NONE } from './conversation-table.js';
import { performance } from 'node:perf_hooks';
import { PendingEvictions } from '../core/evictions.js';

// Bound once: reading the global `performance` goes through a getter on every call.
const monotonicClock: () => number = performance.now.bind(performance);
const wallClock = (): number => Date.now(); // looked up per call, so tests can move it
/** How often the wall clock is read to notice it was set: turns appended within this long after a step still get the old time. */
const WALL_CHECK_EVERY_MS = 100;
/** A change of the wall clock against the monotonic one larger than this is a step, not jitter. */
const WALL_STEP_MS = 5;

/** What `append` returns on success: resolved once, shared by every call (nothing can change it). */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The embedded store: conversation memory in this process, with no dependencies.
 *
 * Every operation is O(1) whatever the number of conversations (`get` and `list` also copy
 * turns out). The conversations live in a {@link ConversationTable}: slots in typed arrays, turns
 * in a ring per slot, one recency list. Recency and TTL are refreshed together, so the least
 * recently used conversation is also the next to expire: the LRU cap, the byte budget and expiry
 * all evict from the same end of that list.
 *
 * TTL is measured on a monotonic clock, so a wall-clock jump (a Raspberry Pi without a real-time
 * clock sets its time from the network after boot) neither expires everything nor keeps
 * everything forever; `ts` of a turn is wall-clock.
 *
 * @example
 * ```ts
 * const memory = new MemoryStore({ maxTurns: 8, ttlSeconds: 3600, maxConversations: 500 });
 * await memory.append('conv1', 'user', 'Hello');
 * await memory.append('conv1', 'assistant', 'Hi!');
 * const turns = await memory.get('conv1'); // [{ role: 'user', content: 'Hello', ts: … }, …]
 * ```
 */
export class MemoryStore implements ConversationStore {
  readonly #options: ResolvedStoreOptions;
  readonly #ttlMs: number;
  readonly #table: ConversationTable;
  readonly #sweepTimer: SweepTimer | undefined;
  #closed = false;
  readonly #evictions = { ttl: 0, lru: 0, bytes: 0 };
  readonly #pendingEvictions: PendingEvictions;

  // Clocks. With an injected `now` both read it; TTL then uses the largest value seen so far, so
  // a clock set backwards cannot reorder the recency list.
  readonly #readMonotonic: () => number;
  #lastMonotonic = -Infinity;
  // Wall-clock ms = monotonic ms + #wallOffset. Re-reading the wall clock at most every 100 ms
  // saves a clock read per append, and keeping the offset until the wall clock really steps keeps
  // ts in order and an untouched conversation's lastAccess the same on every read.
  #wallOffset = wallClock() - monotonicClock();
  #wallCheckedAt = -Infinity;

  /**
   * @param options - the shared options of SPEC §2; every one is checked, and an unknown key,
   * wrong type or out-of-range value throws `TURNSTORE_INVALID_OPTION` naming it.
   */
  constructor(options?: StoreOptions) {
    this.#options = resolveStoreOptions(options, { owner: 'MemoryStore' }).store;
    this.#pendingEvictions = new PendingEvictions(this.#options.onEvict);
    this.#ttlMs = this.#options.ttlSeconds * 1000;
    this.#table = new ConversationTable(this.#options.maxTurns, this.#options.maxConversations);
    this.#readMonotonic = this.#options.now ?? monotonicClock;
    if (this.#ttlMs > 0) this.#sweepTimer = new SweepTimer(this.#ttlMs, () => this.#sweepNow());
  }

  /** {@inheritDoc ConversationStore.get} */
  async get(id: string): Promise<Turn[]> {
    this.#checkOpen();
    const slot = this.#lookUp(id);
    const now = this.#monotonicNow();
    try {
      this.#sweepExpired(now);
      if (slot === NONE || !this.#table.holds(slot, id)) return [];
      this.#table.touch(slot, now);
      return this.#table.copyTurns(slot);
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /**
   * {@inheritDoc ConversationStore.append}
   *
   * Not an `async` method, so that the hot path makes no promise of its own: it does its work
   * synchronously and returns one shared, already-resolved promise; a failure still comes back as
   * a rejected promise, never a throw.
   */
  append(id: string, role: Role, content: string, extra?: TurnExtras): Promise<void> {
    try {
      this.#append(id, role, content, extra);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #append(id: string, role: Role, content: string, extra: TurnExtras | undefined): void {
    this.#checkOpen();
    let slot = this.#lookUp(id);
    let bytes = checkTurn(role, content, this.#options.maxTurnBytes);
    let extras: StoredExtras | undefined;
    if (extra !== undefined) {
      extras = checkExtrasFit(role, extra, bytes, this.#options.maxTurnBytes);
      if (extras !== undefined) bytes += extras.bytes;
    }
    const now = this.#monotonicNow();
    const time = this.#options.now ? this.#options.now() : this.#wallTimeOf(now);
    try {
      this.#sweepExpired(now);
      slot = this.#liveSlotOrNew(slot, id);
      this.#table.pushTurn(slot, roleIndex(role), content, bytes, time, extras?.value);
      this.#table.touch(slot, now);
      this.#enforceByteBudget(slot);
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /** {@inheritDoc ConversationStore.appendMany} */
  async appendMany(id: string, turns: readonly TurnInput[], options?: AppendManyOptions): Promise<void> {
    this.#checkOpen();
    let slot = this.#lookUp(id);
    const replace = options === undefined ? 0 : checkAppendManyOptions(options);
    const batch = checkTurns(turns, this.#options.maxTurnBytes);
    if (batch.roles.length === 0) {
      if (replace > 0) this.#removeNewest(slot, id, replace);
      return;
    }
    const now = this.#monotonicNow();
    const time = this.#options.now ? this.#options.now() : this.#wallTimeOf(now);
    try {
      this.#sweepExpired(now);
      slot = this.#liveSlotOrNew(slot, id);
      if (replace > 0) for (let left = Math.min(replace, this.#table.turnCount(slot)); left > 0; left--) this.#table.dropNewestTurn(slot);
      // Turns the ring would overwrite within this batch are never written.
      for (let i = Math.max(0, batch.roles.length - this.#options.maxTurns); i < batch.roles.length; i++) {
        this.#table.pushTurn(slot, roleIndex(batch.roles[i]), batch.contents[i]!, batch.bytes[i]!, time, batch.extras[i]?.value);
      }
      this.#table.touch(slot, now);
      this.#enforceByteBudget(slot);
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /** {@inheritDoc ConversationStore.pop} */
  async pop(id: string): Promise<Turn | undefined> {
    this.#checkOpen();
    return this.#removeNewest(this.#lookUp(id), id, 1);
  }

  /**
   * Removes the newest `count` turns of a live conversation (all of them when it holds fewer) and
   * returns the newest, touching what is left; a conversation left empty is removed, as by
   * `delete`. `undefined`, and nothing changed, for an unknown or expired id.
   */
  #removeNewest(slot: number, id: string, count: number): Turn | undefined {
    const now = this.#monotonicNow();
    try {
      this.#sweepExpired(now);
      const table = this.#table;
      // A conversation holding only a summary has no turn to remove (decision 16).
      if (slot === NONE || !table.holds(slot, id) || table.turnCount(slot) === 0) return undefined;
      const newest = table.copyNewestTurn(slot);
      for (let left = Math.min(count, table.turnCount(slot)); left > 0; left--) table.dropNewestTurn(slot);
      if (table.turnCount(slot) === 0 && table.summaryOf(slot) === undefined) table.remove(slot);
      else table.touch(slot, now);
      return newest;
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /** {@inheritDoc ConversationStore.compact} */
  async compact(id: string, options: CompactOptions): Promise<void> {
    this.#checkOpen();
    const slot = this.#lookUp(id);
    const check = checkCompactOptions(options, this.#options.maxTurnBytes);
    const now = this.#monotonicNow();
    const time = this.#options.now ? this.#options.now() : this.#wallTimeOf(now);
    try {
      this.#sweepExpired(now);
      const table = this.#table;
      if (slot === NONE || !table.holds(slot, id)) throw conflictError({ id, problem: 'it is gone: deleted, expired or evicted' });
      const held = table.summaryOf(slot);
      const problem = compactionConflict(
        check,
        held === undefined ? undefined : { content: held.content, ts: held.time / 1000 },
        table.turnCount(slot),
        (k) => seenOf(table.copyTurnAt(slot, k)),
      );
      if (problem !== undefined) throw conflictError({ id, problem });
      for (let left = check.covered.length; left > 0; left--) table.dropOldestTurn(slot);
      table.setSummary(slot, { content: check.summary, time, bytes: check.summaryBytes });
      table.touch(slot, now);
      this.#enforceByteBudget(slot);
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /** {@inheritDoc ConversationStore.delete} */
  async delete(id: string): Promise<boolean> {
    this.#checkOpen();
    checkId(id);
    this.#sweepNow();
    const slot = this.#table.slotOf(id);
    if (slot === NONE) return false;
    this.#table.remove(slot);
    return true;
  }

  /** {@inheritDoc ConversationStore.clear} */
  async clear(): Promise<void> {
    this.#checkOpen();
    // Like every call, clear first expires what is due, so eviction counts do not depend on
    // whether the sweep timer happened to run just before.
    this.#sweepNow();
    this.#table.reset();
  }

  /** {@inheritDoc ConversationStore.size} */
  async size(): Promise<number> {
    this.#checkOpen();
    this.#sweepNow();
    return this.#table.live;
  }

  /**
   * {@inheritDoc ConversationStore.list}
   *
   * The cursor marks a place in touch order, so paging stays correct while other calls go on: a
   * conversation left untouched while paging shows exactly once.
   */
  async list(options?: ListOptions): Promise<ListPage> {
    this.#checkOpen();
    const { limit, cursor } = checkListOptions(options);
    let after = Infinity;
    if (cursor !== undefined) {
      if (!/^[0-9]{1,15}$/.test(cursor)) {
        throw invalidOptionError({ owner: 'list', option: 'cursor', problem: 'is not a cursor this store returned' });
      }
      after = Number(cursor);
    }
    this.#sweepNow();
    const table = this.#table;
    // Conversations touched since the cursor was handed out stand first, with a higher touch order.
    let slot = table.newest;
    while (slot !== NONE && table.touchOrder(slot) >= after) slot = table.older(slot);
    const items: ConversationSummary[] = [];
    let last = NONE;
    while (slot !== NONE && items.length < limit) {
      items.push({ id: table.idOf(slot), turns: table.copyTurns(slot), lastAccess: this.#wallTimeOf(table.lastAccess(slot)) / 1000 });
      last = slot;
      slot = table.older(slot);
    }
    return slot !== NONE ? { items, cursor: String(table.touchOrder(last)) } : { items };
  }

  /** {@inheritDoc ConversationStore.stats} */
  async stats(): Promise<StoreStats> {
    this.#checkOpen();
    this.#sweepNow();
    const table = this.#table;
    return { conversations: table.live, turns: table.turns, bytes: table.bytes, evictions: { ...this.#evictions } };
  }

  /** {@inheritDoc ConversationStore.close} */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweepTimer?.stop();
    this.#table.reset();
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError({ owner: 'MemoryStore' });
  }

  #monotonicNow(): number {
    const now = this.#readMonotonic();
    if (now > this.#lastMonotonic) this.#lastMonotonic = now;
    return this.#lastMonotonic;
  }

  /** Wall-clock ms of a monotonic reading (itself, with an injected clock). */
  #wallTimeOf(monotonic: number): number {
    if (this.#options.now) return monotonic;
    const current = this.#lastMonotonic;
    if (current - this.#wallCheckedAt >= WALL_CHECK_EVERY_MS) {
      this.#wallCheckedAt = current;
      const offset = wallClock() - monotonicClock();
      if (Math.abs(offset - this.#wallOffset) > WALL_STEP_MS) this.#wallOffset = offset;
    }
    return Math.round(monotonic + this.#wallOffset);
  }

  /**
   * The slot of a conversation, or NONE; throws `TURNSTORE_INVALID_ID` for a bad id. The id is
   * checked in full only when it is not found: one the table holds passed the check when its
   * conversation was created, and a found id is equal to it. Changes nothing, so a call can still
   * refuse its other arguments after it. Callers must confirm the slot still `holds` the id after
   * a sweep, which may just have expired it.
   */
  #lookUp(id: string): number {
    const slot = typeof id === 'string' && id.length <= MAX_ID_LENGTH ? this.#table.slotOf(id) : NONE;
    if (slot === NONE) checkId(id);
    return slot;
  }

  /** `slot`, found by #lookUp before the sweep, if it still holds `id`; else a new conversation's. */
  #liveSlotOrNew(slot: number, id: string): number {
    return slot !== NONE && this.#table.holds(slot, id) ? slot : this.#create(id);
  }

  /** A new conversation's slot, after evicting the least recently used one at the cap. */
  #create(id: string): number {
    if (this.#table.live >= this.#options.maxConversations) this.#evict(this.#table.oldest, 'lru');
    return this.#table.create(id);
  }

  #evict(slot: number, reason: EvictionReason): void {
    const id = this.#table.idOf(slot);
    this.#table.remove(slot);
    this.#evictions[reason]++;
    this.#pendingEvictions.add(id, reason);
  }

  /** Forgets expired conversations: they all stand at the old end of the recency list. */
  #sweepExpired(now: number): void {
    if (this.#ttlMs <= 0) return;
    const table = this.#table;
    while (table.oldest !== NONE && now - table.lastAccess(table.oldest) > this.#ttlMs) this.#evict(table.oldest, 'ttl');
  }

  #sweepNow(): void {
    try {
      this.#sweepExpired(this.#monotonicNow());
    } finally {
      this.#pendingEvictions.flush();
    }
  }

  /**
   * Evicts least recently used other conversations while over maxTotalBytes. Should the written
   * conversation alone still be over, its own oldest turns go, then its summary (decision 16); its
   * newest turn always fits, since maxTotalBytes ≥ maxTurnBytes.
   */
  #enforceByteBudget(slot: number): void {
    const table = this.#table;
    const budget = this.#options.maxTotalBytes;
    while (table.bytes > budget && table.oldest !== slot) this.#evict(table.oldest, 'bytes');
    while (table.bytes > budget && table.turnCount(slot) > 1) table.dropOldestTurn(slot);
    if (table.bytes > budget) table.dropSummary(slot);
  }
}
