/**
 * The caps every process of the multi-process test opens its store with; a generous time limit,
 * since this test is about the caps, and a CI machine running other tests can be slow.
 */
export const STORE_OPTIONS = { maxTurns: 40, maxConversations: 25, commandTimeoutMs: 20_000 } as const;
/** How many conversations of its own each worker cycles through (4 × 30 + 1 shared > 25: the LRU cap bites). */
export const OWN_CONVERSATIONS = 30;
/**
 * The caps of the monitored run (two processes of many callers each): small enough that every cap
 * bites all the time — turns, conversations and bytes.
 */
export const MONITORED_OPTIONS = {
  maxTurns: 4,
  maxConversations: 12,
  maxTurnBytes: 400,
  maxTotalBytes: 6000,
  commandTimeoutMs: 20_000,
} as const;
/** Conversations the monitored run's callers write to, at random. */
export const MONITORED_CONVERSATIONS = 30;
