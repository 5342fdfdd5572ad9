/**
 * The workload the backend benchmarks share, so every backend is timed on the same turns in the
 * same way: which role and content the i-th call writes, the conversations read and written, how a
 * timed run drives callers, and the version of a package measured.
 */
import type { Role } from '../../src/index.js';

/** The role of the i-th turn written: user and assistant alternately. */
export const roleOf = (index: number): Role => (index & 1 ? 'assistant' : 'user');

/**
 * The content of the i-th turn written: ASCII, 101 lengths from half to one and a half times
 * `contentLength`, visited in a scattered order.
 */
export function contentsOf(contentLength: number): (index: number) => string {
  const text = 'abcdefghij'.repeat(Math.ceil((contentLength * 3) / 20) + 1);
  const contents = Array.from({ length: 101 }, (_, k) => text.slice(0, Math.round((contentLength * (50 + k)) / 100)));
  return (index) => contents[(index * 37) % contents.length]!;
}

/**
 * The conversations gets read and appends write. They are different, so histories that never
 * trim (LangChain's, the bare lists and tables) keep exactly maxTurns turns where they are read.
 */
export function conversationIds(conversations: number): { readonly readIds: string[]; readonly writeIds: string[] } {
  return {
    readIds: Array.from({ length: conversations }, (_, i) => `read-${i}`),
    writeIds: Array.from({ length: conversations }, (_, i) => `write-${i}`),
  };
}

/**
 * Runs up to `count` calls of `call` (given `first`, `first + 1`, …), `callers` at a time,
 * starting none after `seconds`; the calls completed and their rate per second.
 */
export async function timeRun(
  call: (index: number) => Promise<unknown>,
  first: number,
  count: number,
  callers: number,
  seconds = Infinity,
): Promise<{ calls: number; perSecond: number }> {
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const caller = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) await call(first + next++);
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { calls: next, perSecond: (next * 1000) / (performance.now() - start) };
}
