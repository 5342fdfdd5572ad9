import type { EvictionListener, EvictionReason } from './types.js';

/**
 * Tells an `onEvict` listener about one eviction. Stores call it once the call that evicted has
 * left the store consistent, so the listener may itself use the store. A listener that throws
 * cannot fail the call that evicted: its error is reported as a process warning.
 */
export function notifyEviction(listener: EvictionListener, id: string, reason: EvictionReason): void {
  try {
    listener(id, reason);
  } catch (error) {
    process.emitWarning(`turnstore: onEvict threw for conversation ${JSON.stringify(id)} (${reason}): ${String(error)}`, 'TurnstoreWarning');
  }
}
