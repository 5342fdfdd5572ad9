/**
 * Baseline: a conversation store built on `lru-cache`, the way a user would build one — an
 * `LRUCache<string, Turn[]>` with `max` for the conversation cap, `ttl` with `updateAgeOnGet` for
 * the sliding expiry, and each array trimmed to the newest `maxTurns` on append.
 */
import { LRUCache } from 'lru-cache';
import type { Role, Turn } from '../../../src/index.js';
import type { BenchStore, StoreLimits } from '../bench-store.js';

/** Conversations in an `LRUCache`, one plain array of turns each. */
export class LruCacheConversationStore implements BenchStore {
  readonly #cache: LRUCache<string, Turn[]>;
  readonly #maxTurns: number;

  constructor(limits: StoreLimits) {
    this.#maxTurns = limits.maxTurns;
    // ttl 0 is "no TTL" in lru-cache, as it is in turnstore.
    this.#cache = new LRUCache<string, Turn[]>({ max: limits.maxConversations, ttl: limits.ttlSeconds * 1000, updateAgeOnGet: true });
  }

  /** A copy of the array, so callers cannot change what is stored (turnstore copies too). */
  async get(id: string): Promise<Turn[]> {
    return this.#cache.get(id)?.slice() ?? [];
  }

  async append(id: string, role: Role, content: string): Promise<void> {
    const turns = this.#cache.get(id) ?? [];
    turns.push({ role, content, ts: Date.now() / 1000 });
    // One turn at a time goes in, so at most one is over.
    if (turns.length > this.#maxTurns) turns.shift();
    // set() marks it most recently used, restarts its TTL and evicts the LRU entry past max.
    this.#cache.set(id, turns);
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }
}
