/**
 * The core benchmark's workloads and their sizes, in one place: the Node runner and the Python
 * seed runner (which receives this object as JSON) measure exactly the same things.
 */

/** How each rate is sampled: warm-up first, then `samples` samples, each ended by time or op count. */
export interface Timing {
  readonly warmupMs: number;
  readonly samples: number;
  readonly sampleMs: number;
  readonly sampleMaxOps: number;
}

export interface CoreParameters {
  /** Limits of every store, unless a workload says otherwise. */
  readonly maxTurns: number;
  readonly ttlSeconds: number;
  /** Length of every turn's content (ASCII, so also its UTF-8 bytes). */
  readonly contentLength: number;
  /** append / get: this many conversations, pre-filled with `turnsEach` turns, used round-robin. */
  readonly existing: { readonly conversations: number; readonly turnsEach: number };
  /** create-at-cap: the store is filled to each cap (one turn per conversation), then new ids evict. */
  readonly caps: readonly number[];
  /** heap: this many conversations × turns of fresh content, against as many bare strings. */
  readonly heap: { readonly conversations: number; readonly turnsEach: number; readonly repeats: number };
  readonly timing: Timing;
  /** PRNG seed for content, so every store stores the same characters. */
  readonly randomSeed: number;
}

export const CORE_PARAMETERS: CoreParameters = {
  maxTurns: 8,
  ttlSeconds: 3600,
  contentLength: 64,
  existing: { conversations: 500, turnsEach: 8 },
  caps: [500, 50_000, 1_000_000],
  heap: { conversations: 10_000, turnsEach: 8, repeats: 3 },
  timing: { warmupMs: 400, samples: 7, sampleMs: 300, sampleMaxOps: 2_000_000 },
  randomSeed: 20_240_601,
};

/**
 * The commit whose MemoryStore is measured beside today's (`turnstore-previous`): the last one
 * before turns could carry tool calls, attachments and metadata. Plain text turns must cost no
 * more than they did there (heap ≤ 1.05×, append and get ≥ 0.9×, same run). The variable
 * TURNSTORE_BENCH_PREVIOUS_COMMIT measures another commit instead (say, the one before a change),
 * for a run to report rather than to commit.
 */
export const PREVIOUS_COMMIT = process.env.TURNSTORE_BENCH_PREVIOUS_COMMIT || '6fe47c4';

/** The workloads, by the name results are filed under. */
export type Workload = 'append' | 'get' | `create-at-cap-${number}` | 'heap' | 'heap-tool-calls' | 'heap-summary';

/** Every workload the seed runs too, in run order. */
export function workloads(parameters: CoreParameters): Workload[] {
  return ['append', 'get', ...parameters.caps.map((cap): Workload => `create-at-cap-${cap}`), 'heap'];
}

/**
 * Workloads of turnstore alone: `heap-tool-calls` fills the same conversations with tool
 * exchanges (an assistant turn with one tool call, then the tool's result), so the heap a turn
 * with extras costs is on record beside a plain turn's; `heap-summary` gives each conversation of
 * the heap fill a summary as long as a turn (decision 16) and reports the heap it adds per summary.
 */
export const TURNSTORE_ONLY_WORKLOADS: readonly Workload[] = ['heap-tool-calls', 'heap-summary'];

/** The cap of a create-at-cap workload, or undefined for the others. */
export function capOf(workload: Workload): number | undefined {
  const match = /^create-at-cap-(\d+)$/.exec(workload);
  return match ? Number(match[1]) : undefined;
}

/** 64 characters to draw content from, so a random index is one byte of randomness. */
export const CONTENT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .';
