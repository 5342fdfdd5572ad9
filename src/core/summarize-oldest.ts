/**
 * `summarizeOldest`: folds a conversation's older turns into its summary with a summariser the
 * caller gives (a model call, usually), then compacts the store (docs/spec.md, decision 16).
 */
import { invalidOptionError, isTurnstoreError } from './errors.js';
import { checkOptions, optionErrorsOf, optionKeys } from './options.js';
import { ORPHAN, ToolExchanges } from './tool-exchanges.js';
import type { ConversationStore, Turn } from './types.js';

/** Reads, summarises and compacts at most this many times when compactions conflict (the first try included). */
export const SUMMARIZE_ATTEMPTS = 3;

/** Options of {@link summarizeOldest}. */
export interface SummarizeOldestOptions {
  /** How many of the newest turns to leave as they are: an integer ≥ 0. */
  readonly keep: number;
  /**
   * Writes the new summary: given the current one (`undefined` when there is none) and the turns to
   * fold into it, oldest first, resolves to the text that stands for both.
   */
  readonly summarize: (previousSummary: string | undefined, turns: Turn[]) => Promise<string>;
}

const OWNER = 'summarizeOldest';
const KEYS = optionKeys<SummarizeOldestOptions>({ keep: true, summarize: true });
const invalid = optionErrorsOf(OWNER);

/**
 * How many of `turns` (oldest first, no summary among them) to fold: all but the newest `keep`,
 * fewer when that would split a tool exchange (a call folded while a result of it is kept), and
 * never past an assistant turn whose calls are not all answered yet (their results would be kept
 * without their call).
 */
export function foldableCount(turns: readonly Turn[], keep: number): number {
  let cut = Math.max(0, turns.length - keep);
  let exchanges: ToolExchanges | undefined;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.toolCalls !== undefined || turn.toolCallId !== undefined) {
      exchanges ??= new ToolExchanges(turns.length);
      exchanges.add(turn, i);
    }
  }
  if (exchanges === undefined) return cut;
  for (let i = 0; i < cut; i++) {
    // An unanswered call: its exchange is still open, and must stay whole in the turns kept.
    if (turns[i]!.toolCalls !== undefined && turns[i]!.toolCalls!.length > 0 && exchanges.ownerOf(i) === ORPHAN) {
      cut = i;
      break;
    }
  }
  // A kept turn whose exchange began among the folded ones pulls the cut back to that exchange's call.
  for (let i = turns.length - 1; i >= cut; i--) {
    const owner = exchanges.ownerOf(i);
    if (owner >= 0 && owner < cut) cut = owner;
  }
  return cut;
}

/**
 * Folds all but the newest `keep` turns of a conversation into its summary: reads it, asks
 * `summarize(previousSummary, turns)` for the new summary, and compacts. A compaction refused
 * because the conversation changed meanwhile (`TURNSTORE_CONFLICT`) starts over from a fresh read,
 * up to {@link SUMMARIZE_ATTEMPTS} reads in all; the last conflict is rethrown. Tool exchanges are
 * folded whole or not at all, so fewer turns than asked may be folded.
 *
 * @returns how many turns were folded: 0 when there was nothing to fold (then `summarize` is not called).
 * @example
 * ```ts
 * await summarizeOldest(store, 'conv1', {
 *   keep: 4,
 *   summarize: async (previous, turns) => callMyModel(previous, turns),
 * });
 * ```
 */
export async function summarizeOldest(store: ConversationStore, id: string, options: SummarizeOldestOptions): Promise<number> {
  checkOptions(options, { owner: OWNER, known: KEYS });
  const { keep, summarize } = options;
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 0) throw invalid('keep', 'must be an integer ≥ 0', keep);
  if (typeof summarize !== 'function')
    throw invalid('summarize', 'must be a function (previousSummary, turns) => Promise<string>', summarize);
  for (let attempt = 1; ; attempt++) {
    const seen = await store.get(id);
    const previous = seen[0]?.summary === true ? seen[0] : undefined;
    const turns = previous === undefined ? seen : seen.slice(1);
    const count = foldableCount(turns, keep);
    if (count === 0) return 0;
    const summary: unknown = await summarize(previous?.content, turns.slice(0, count));
    if (typeof summary !== 'string') {
      throw invalidOptionError({ owner: OWNER, option: 'summarize', problem: 'must resolve to a string', value: summary });
    }
    try {
      await store.compact(id, { summary, through: turns[count - 1]!, seen });
      return count;
    } catch (error) {
      if (!isTurnstoreError(error, 'TURNSTORE_CONFLICT') || attempt >= SUMMARIZE_ATTEMPTS) throw error;
    }
  }
}
