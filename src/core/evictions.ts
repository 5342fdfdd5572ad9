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
    process.emitWarning(
      `turnstore: onEvict threw for conversation ${JSON.stringify(id)} (${reason}): ${String(error)}`,
      'TurnstoreWarning',
    );
  }
}

/**
 * The evictions a store call made, held until the call has left the store consistent (and, for
 * SQLite, committed), then told to `onEvict` by {@link flush}. Without a listener nothing is held.
 */
export class PendingEvictions {
  readonly #listener: EvictionListener | undefined;
  #pending: Array<[string, EvictionReason]> = [];

  constructor(listener: EvictionListener | undefined) {
    this.#listener = listener;
  }

  /** Notes an eviction, to be told at the next {@link flush}. */
  add(id: string, reason: EvictionReason): void {
    if (this.#listener) this.#pending.push([id, reason]);
  }

  /** Forgets what was noted: the call that evicted was rolled back. */
  discard(): void {
    this.#pending = [];
  }

  /** Tells the listener what was noted, in order, and forgets it; a listener may call the store again. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const [id, reason] of pending) notifyEviction(this.#listener!, id, reason);
  }
}
