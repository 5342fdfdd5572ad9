/**
 * Not a store: async methods that do nothing, called and awaited exactly as the stores are. Its
 * rate is the ceiling of any async store on the machine — the call and the `await` alone cost
 * that much — and so bounds the ratios turnstore can reach against the seed, whose awaited
 * coroutines do not go through an event-loop turn when they never suspend.
 */
import type { BenchStore } from '../bench-store.js';

const NO_TURNS: readonly unknown[] = Object.freeze([]);

export class EmptyAsyncStore implements BenchStore {
  async append(): Promise<void> {}

  async get(): Promise<readonly unknown[]> {
    return NO_TURNS;
  }

  async close(): Promise<void> {}
}
