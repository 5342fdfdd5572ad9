/**
 * The little a benchmark needs from a conversation store, so turnstore and the baselines run the
 * same workloads through the same calls. Every method is async, as turnstore's are, so each store
 * pays the same per-call promise.
 */
import type { Role } from '../../src/index.js';

/** The limits every benchmarked store is built with. */
export interface StoreLimits {
  readonly maxTurns: number;
  readonly ttlSeconds: number;
  readonly maxConversations: number;
}

/** A conversation store as the core benchmark drives it. */
export interface BenchStore {
  append(id: string, role: Role, content: string): Promise<void>;
  /** The turns of a conversation, in whatever form the store hands them out. */
  get(id: string): Promise<readonly unknown[]>;
  close(): Promise<void>;
}
