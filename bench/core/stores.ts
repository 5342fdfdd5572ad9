/** The Node stores the core benchmark compares, by the name results are filed under. */
import { MemoryStore } from '../../src/index.js';
import type { BenchStore, StoreLimits } from './bench-store.js';
import { EmptyAsyncStore } from './baselines/empty-async-store.js';
import { LangChainConversationStore } from './baselines/langchain-store.js';
import { LruCacheConversationStore } from './baselines/lru-cache-store.js';

export const NODE_STORES = {
  // The byte budget is set out of reach: these workloads measure the turn and conversation caps,
  // which are all the baselines have.
  turnstore: (limits: StoreLimits): BenchStore => new MemoryStore({ ...limits, maxTotalBytes: 2 ** 40 }),
  'lru-cache': (limits: StoreLimits): BenchStore => new LruCacheConversationStore(limits),
  langchain: (limits: StoreLimits): BenchStore => new LangChainConversationStore(limits),
} as const;

/** Reference points measured beside the stores on the append and get workloads only. */
export const REFERENCE_STORES = {
  'empty-async': (): BenchStore => new EmptyAsyncStore(),
} as const;

export type NodeStoreName = keyof typeof NODE_STORES | keyof typeof REFERENCE_STORES;

/** The factory of a store or reference by name, or undefined. */
export function nodeStore(name: string): ((limits: StoreLimits) => BenchStore) | undefined {
  if (Object.hasOwn(NODE_STORES, name)) return NODE_STORES[name as keyof typeof NODE_STORES];
  if (Object.hasOwn(REFERENCE_STORES, name)) return REFERENCE_STORES[name as keyof typeof REFERENCE_STORES];
  return undefined;
}
