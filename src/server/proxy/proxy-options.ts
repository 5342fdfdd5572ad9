/** Options of the memory proxy (`createServer({ proxy })`, `turnstore serve --upstream`), checked once. */
import type { TokenCounter } from '../../core/context-window.js';
import { estimateTokens } from '../../core/context-window.js';
import { checkOptions, optionErrorsOf, optionKeys } from '../../core/options.js';
import { resolveSummarizeOptions, type ResolvedSummarizeOptions, type SummarizeOptions } from './summaries.js';

/** How the service forwards `POST /v1/chat/completions` and `POST /v1/responses` (both as chat completions). */
export interface ProxyOptions {
  /**
   * The OpenAI-compatible API to forward to, as an OpenAI client's `baseURL`: requests go to
   * `${upstream}/chat/completions`. `http:` or `https:`.
   * @example 'http://127.0.0.1:11434/v1' (Ollama), 'http://127.0.0.1:8080/v1' (llama.cpp's server), 'https://api.openai.com/v1'
   */
  readonly upstream: string;
  /**
   * Sent upstream as `Authorization: Bearer <upstreamKey>`. The caller's own `Authorization` (the
   * service's token) is never forwarded.
   * @default none: no Authorization header upstream (Ollama and llama.cpp need none)
   */
  readonly upstreamKey?: string;
  /**
   * Tokens the messages sent upstream may take together: the request's own messages, then as much
   * stored history as fits in the rest (`contextWindow`). Leave room for the reply: the model's
   * context length minus the longest reply you expect.
   * @default 3072 (a 4,096-token context, Ollama's and llama.cpp's usual default, minus 1,024 for the reply)
   */
  readonly contextTokens?: number;
  /**
   * Longest silence from the upstream, in milliseconds: before its response starts, and between two
   * pieces of its body. Past it the request fails with 504 (or, mid-stream, the stream is cut) and
   * nothing is stored. A gap, not a total: a long streamed reply that keeps coming never times out.
   * @default 120000 (two minutes: a small model on a Raspberry Pi can read a long prompt for a minute before its first token)
   */
  readonly upstreamTimeoutMs?: number;
  /**
   * Counts one message's tokens (its text, role and framing). It is given turns as stored: a
   * message with tool calls has `toolCalls`, a tool result its `toolCallId`, a message with files
   * its `attachments`; a counter should price those too, as `estimateTokens` and `gptTokenCounter`
   * do (tool call text as text, each attachment a flat `ESTIMATED_TOKENS_PER_ATTACHMENT`).
   * @default {@link estimateTokens}: no tokenizer, so no model-specific code
   */
  readonly countTokens?: TokenCounter;
  /**
   * Keeps the gist of long conversations: after a reply is sent, when the conversation is within 2
   * turns of the store's `maxTurns` or its history no longer fits `contextTokens`, the same upstream
   * model (the request's `model`) folds the oldest turns into the conversation's summary
   * (`summarizeOldest`). No reply waits for it; a failed summary is logged and changes nothing.
   * `true` for the defaults (see {@link SummarizeOptions}; give `maxTurns` when the store's is not 8).
   * @default false: history the store or the window drops is forgotten
   */
  readonly summarize?: boolean | SummarizeOptions;
}

/** {@link ProxyOptions} with every default filled in and the URL of the completions endpoint. */
export interface ResolvedProxyOptions {
  readonly completionsUrl: string;
  readonly upstreamKey: string | undefined;
  readonly contextTokens: number;
  readonly upstreamTimeoutMs: number;
  readonly countTokens: TokenCounter;
  /** Undefined: no summaries. */
  readonly summarize: ResolvedSummarizeOptions | undefined;
}

/** Default of {@link ProxyOptions.contextTokens}. */
export const DEFAULT_CONTEXT_TOKENS = 3072;
/** Default of {@link ProxyOptions.upstreamTimeoutMs}. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 120_000;

/** Messages name the proxy's options as fields of `createServer`'s option `proxy`. */
const OWNER = 'createServer, option "proxy"';

const PROXY_OPTION_KEYS = optionKeys<ProxyOptions>({
  upstream: true,
  upstreamKey: true,
  contextTokens: true,
  upstreamTimeoutMs: true,
  countTokens: true,
  summarize: true,
});

const invalid = optionErrorsOf(OWNER);

/** `${upstream}/chat/completions`, or why `upstream` cannot be used. */
export function completionsUrlOf(upstream: string): string | { problem: string } {
  if (!URL.canParse(upstream)) return { problem: 'it is not a URL' };
  const url = new URL(upstream);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'it must be an http: or https: URL' };
  if (url.search || url.hash) return { problem: 'it must not have a query or fragment' };
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  return url.href;
}

/** Checks `options` and fills in defaults; throws `TURNSTORE_INVALID_OPTION` naming the field. */
export function resolveProxyOptions(options: ProxyOptions): ResolvedProxyOptions {
  const raw = checkOptions(options, { owner: OWNER, known: PROXY_OPTION_KEYS }) as Partial<ProxyOptions>;
  const {
    upstream,
    upstreamKey,
    contextTokens = DEFAULT_CONTEXT_TOKENS,
    upstreamTimeoutMs = DEFAULT_UPSTREAM_TIMEOUT_MS,
    countTokens = estimateTokens,
    summarize,
  } = raw;
  if (typeof upstream !== 'string')
    throw invalid('upstream', 'must be the URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1', upstream);
  const completionsUrl = completionsUrlOf(upstream);
  if (typeof completionsUrl !== 'string') throw invalid('upstream', `cannot be used: ${completionsUrl.problem}`);
  // Header values must be visible ASCII; a key with a line break would also split the header. The key is never echoed.
  if (upstreamKey !== undefined && (typeof upstreamKey !== 'string' || !/^[\x21-\x7e]+$/.test(upstreamKey))) {
    throw invalid('upstreamKey', 'must be printable ASCII without spaces');
  }
  if (!Number.isSafeInteger(contextTokens) || contextTokens < 1) throw invalid('contextTokens', 'must be an integer ≥ 1', contextTokens);
  if (!Number.isSafeInteger(upstreamTimeoutMs) || upstreamTimeoutMs < 1)
    throw invalid('upstreamTimeoutMs', 'must be an integer ≥ 1', upstreamTimeoutMs);
  if (typeof countTokens !== 'function') throw invalid('countTokens', 'must be a function (turn) => number', countTokens);
  return { completionsUrl, upstreamKey, contextTokens, upstreamTimeoutMs, countTokens, summarize: resolveSummarizeOptions(summarize) };
}
