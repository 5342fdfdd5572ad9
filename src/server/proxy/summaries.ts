/**
 * The memory proxy's rolling summary (`--summarize`, createServer's `proxy.summarize`): once an
 * exchange is stored and its reply sent, when the conversation nears the store's `maxTurns` or its
 * history no longer fits the token budget, the oldest turns are folded into the summary by the same
 * upstream model (`summarizeOldest`). In the background: no reply waits for it; a failure is logged
 * and changes nothing; one conversation has at most one summary under way in this process.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { checkOptions, DEFAULT_OPTIONS, optionErrorsOf, optionKeys } from '../../core/options.js';
import { summarizeOldest } from '../../core/summarize-oldest.js';
import type { ConversationStore, Turn } from '../../core/types.js';
import { DEFAULT_SUMMARY_PROMPT, modelSummarizer } from '../../openai-compatible/summarize.js';

/** A summary starts once a conversation holds this many turns fewer than `maxTurns`, or more. */
export const SUMMARY_MARGIN = 2;

/** The proxy's option `summarize`: `true` for the defaults. */
export interface SummarizeOptions {
  /**
   * The store's `maxTurns`: a summary starts once a conversation holds `maxTurns − 2` turns, before
   * the store would drop any. `turnstore serve` passes its own.
   * @default 8 (the store default, `DEFAULT_OPTIONS.maxTurns`)
   */
  readonly maxTurns?: number;
  /**
   * How many of the newest turns a summary leaves as they are: less than `maxTurns − 2`.
   * @default 2, or `maxTurns − 3` when that is less
   */
  readonly keep?: number;
  /**
   * The instructions sent to the model with each summary request (`--summary-prompt-file`).
   * @default {@link DEFAULT_SUMMARY_PROMPT}, quoted in docs/memory-proxy.md
   */
  readonly prompt?: string;
}

/** {@link SummarizeOptions} resolved. */
export interface ResolvedSummarizeOptions {
  readonly maxTurns: number;
  readonly keep: number;
  readonly prompt: string;
}

const OWNER = 'createServer, option "proxy.summarize"';
const KEYS = optionKeys<SummarizeOptions>({ maxTurns: true, keep: true, prompt: true });
const invalid = optionErrorsOf(OWNER);

/** Checks the option `summarize` (absent or `false`: off). */
export function resolveSummarizeOptions(value: unknown): ResolvedSummarizeOptions | undefined {
  if (value === undefined || value === false) return undefined;
  const raw = (value === true ? {} : checkOptions(value, { owner: OWNER, known: KEYS })) as Partial<SummarizeOptions>;
  const { maxTurns = DEFAULT_OPTIONS.maxTurns, prompt = DEFAULT_SUMMARY_PROMPT } = raw;
  if (!Number.isSafeInteger(maxTurns) || maxTurns < SUMMARY_MARGIN + 1)
    throw invalid('maxTurns', `must be the store's maxTurns, an integer ≥ ${SUMMARY_MARGIN + 1}`, maxTurns);
  const { keep = Math.max(0, Math.min(2, maxTurns - SUMMARY_MARGIN - 1)) } = raw;
  if (!Number.isSafeInteger(keep) || keep < 0 || keep >= maxTurns - SUMMARY_MARGIN)
    throw invalid('keep', `must be an integer from 0 to ${maxTurns - SUMMARY_MARGIN - 1} (maxTurns − ${SUMMARY_MARGIN} − 1)`, keep);
  if (typeof prompt !== 'string' || prompt.trim() === '') throw invalid('prompt', 'must be a non-empty string', prompt);
  return { maxTurns, keep, prompt };
}

/** The turns of a conversation as `get` handed them out, without its summary. */
export function turnsHeld(history: readonly Turn[]): number {
  return history.length > 0 && history[0]!.summary === true ? history.length - 1 : history.length;
}

/** Where summary requests go: the proxy's upstream. */
export interface SummaryUpstream {
  readonly completionsUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** The summaries of one proxy (both routes share it, so one conversation never has two under way). */
export class ProxySummaries {
  readonly #running = new Set<string>();

  constructor(
    private readonly store: ConversationStore,
    private readonly options: ResolvedSummarizeOptions,
    private readonly upstream: SummaryUpstream,
  ) {}

  /** Whether a conversation holding `turns` turns after the exchange, whose window left out `leftOut` stored turns, is due a summary. */
  due(turns: number, leftOut: number): boolean {
    return turns > this.options.keep && (leftOut > 0 || turns >= this.options.maxTurns - SUMMARY_MARGIN);
  }

  /**
   * Starts a summary of conversation `id` with `model` once `response` is sent (or at once when it
   * is), unless one is under way already. Never throws; the caller does not wait.
   */
  afterReply(response: ServerResponse, id: string, model: unknown, log: FastifyBaseLogger, requestId: string): void {
    const start = () => void this.run(id, model, log, requestId);
    if (response.writableFinished || response.destroyed) setImmediate(start);
    else response.once('close', start);
  }

  /** Folds the oldest turns of `id`: resolves with how many, or with -1 when it did not run (one under way) or failed (logged). */
  async run(id: string, model: unknown, log: FastifyBaseLogger, requestId: string): Promise<number> {
    if (this.#running.has(id)) return -1;
    this.#running.add(id);
    try {
      const summarize = modelSummarizer({ ...this.upstream, model, prompt: this.options.prompt });
      return await summarizeOldest(this.store, id, { keep: this.options.keep, summarize });
    } catch (error) {
      log.warn({ err: error, reqId: requestId }, 'memory proxy: the summary failed; the conversation is unchanged');
      return -1;
    } finally {
      this.#running.delete(id);
    }
  }
}
