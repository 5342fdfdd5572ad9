/**
 * The periodic sweep that frees expired conversations even when nobody touches them (the seed
 * kept them until someone read them). One timer per store, unref'd so it never keeps the process
 * alive.
 */
export class SweepTimer {
  readonly #handle: ReturnType<typeof setInterval>;

  /**
   * @param ttlMs - the store's TTL; the sweep runs every half TTL, at least once a second and at
   * most once a minute, so memory is freed within a minute of expiry.
   * @param sweep - the store's sweep; an error it throws is reported as a process warning.
   */
  constructor(ttlMs: number, sweep: () => unknown) {
    const everyMs = sweepIntervalMs(ttlMs);
    this.#handle = setInterval(() => {
      Promise.resolve()
        .then(sweep)
        .catch((error: unknown) => process.emitWarning(`turnstore: expiry sweep failed: ${String(error)}`, 'TurnstoreWarning'));
    }, everyMs);
    this.#handle.unref();
  }

  /** Stops the timer; safe to call twice. */
  stop(): void {
    clearInterval(this.#handle);
  }
}

/** How often a store with this TTL sweeps. */
export function sweepIntervalMs(ttlMs: number): number {
  return Math.min(60_000, Math.max(1_000, ttlMs / 2));
}
