/**
 * Exact token counts for OpenAI models, with the optional peer `gpt-tokenizer`. It is loaded on the
 * first `gptTokenCounter()` call (never by `import 'turnstore'`), synchronously through its CommonJS
 * build, so that the counter is an ordinary function `contextWindow` can call.
 */
import { createRequire } from 'node:module';
import { ESTIMATED_TOKENS_PER_ATTACHMENT, type TokenCounter, type TurnLike } from '../../core/context-window.js';
import { invalidOptionError } from '../../core/errors.js';
import { peerFailure, requirePeer } from '../../core/import-peer.js';
import { checkOptions, optionErrorsOf, optionKeys } from '../../core/options.js';

/**
 * Tokens the chat format spends on each message besides its role and content: `<|im_start|>`,
 * the separator after the role and `<|im_end|>` (OpenAI cookbook, "How to count tokens with
 * tiktoken": `tokens_per_message = 3`).
 */
export const GPT_TOKENS_PER_MESSAGE = 3;

/**
 * Tokens every request spends once, priming the reply (`<|im_start|>assistant<|im_sep|>`). A
 * per-turn counter cannot charge them: leave them out of `maxTokens` yourself.
 */
export const GPT_REPLY_PRIMING_TOKENS = 3;

/** The part of a gpt-tokenizer module (a model's or an encoding's) this counter uses. */
export interface GptTokenizerLike {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/** Options of {@link gptTokenCounter}: at most one of `model`, `encoding`, `tokenizer`. */
export interface GptTokenCounterOptions {
  /**
   * An OpenAI model name gpt-tokenizer knows (a file in `gpt-tokenizer/model/`), e.g. `'gpt-4o'`,
   * `'gpt-4.1-mini'`, `'o3'`, `'gpt-3.5-turbo'`.
   * @default 'gpt-4o' (when neither encoding nor tokenizer is given)
   */
  readonly model?: string;
  /** An encoding instead of a model: `'o200k_base'`, `'cl100k_base'`, `'p50k_base'`, `'r50k_base'`, `'p50k_edit'`, `'o200k_harmony'`. */
  readonly encoding?: string;
  /**
   * A gpt-tokenizer module you loaded yourself, e.g. `await import('gpt-tokenizer/model/gpt-4o')`.
   * Nothing is loaded then; useful when your code already imports gpt-tokenizer's ESM build, which
   * would otherwise be in memory twice (its rank tables are several MB).
   */
  readonly tokenizer?: GptTokenizerLike;
}

const OWNER = 'gptTokenCounter';
const OPTION_KEYS = optionKeys<GptTokenCounterOptions>({ model: true, encoding: true, tokenizer: true });
/** gpt-tokenizer file names: letters, digits, dots, dashes, underscores — never a path. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PEER = 'gpt-tokenizer';

// Special-token text in a message ("<|endoftext|>") is plain text to the chat API, so it is
// counted as such rather than refused, which is gpt-tokenizer's default.
const PLAIN_TEXT = Object.freeze({ disallowedSpecial: new Set<string>() });

const loaded = new Map<string, GptTokenizerLike>();

const invalid = optionErrorsOf(OWNER);

/** Loads `gpt-tokenizer/<folder>/<name>`, telling a missing package from an unknown name. */
function load(folder: 'model' | 'encoding', name: string): GptTokenizerLike {
  const specifier = `gpt-tokenizer/${folder}/${name}`;
  const cached = loaded.get(specifier);
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // Resolving the package itself (not a file in it) tells "not installed" from "no such model".
  requirePeer(PEER, OWNER, () => require.resolve(PEER));
  // Only resolving the name decides "no such model": a file missing inside the package, or a
  // dependency of it, is a broken install (TURNSTORE_PEER_LOAD_FAILED), not a bad option.
  try {
    require.resolve(specifier);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      const version = (require('gpt-tokenizer/package.json') as { version: string }).version;
      const problem = `names no ${folder} gpt-tokenizer ${version} knows: ${JSON.stringify(name)} (see node_modules/gpt-tokenizer/esm/${folder}/)`;
      throw invalidOptionError({ owner: OWNER, option: folder, problem }, { cause: error });
    }
    throw peerFailure(error, PEER, OWNER);
  }
  const module = requirePeer(PEER, OWNER, () => require(specifier) as GptTokenizerLike);
  if (typeof module?.countTokens !== 'function') throw invalid(folder, `names ${specifier}, which has no countTokens function`);
  loaded.set(specifier, module);
  return module;
}

/**
 * A `countTokens` for `contextWindow` that counts a turn exactly as OpenAI's chat format does:
 * the tokens of its role, plus those of its content, plus {@link GPT_TOKENS_PER_MESSAGE} (3) of
 * framing — the figure of OpenAI's cookbook (`num_tokens_from_messages`) and of gpt-tokenizer's
 * own `encodeChat`. Text that looks like a special token (`<|endoftext|>`) is counted as the plain
 * text the API treats it as. Each request also spends {@link GPT_REPLY_PRIMING_TOKENS} (3) once,
 * which no per-turn count can include: subtract them from `maxTokens`.
 *
 * Needs the optional peer `gpt-tokenizer` (`npm install gpt-tokenizer`), loaded on the first call
 * for a given model; without it this throws `TURNSTORE_MISSING_PEER`. An unknown `model` or
 * `encoding`, more than one of them, or an unknown option throws `TURNSTORE_INVALID_OPTION`.
 *
 * For models outside OpenAI's (Llama, Mistral, Qwen behind Ollama or llama.cpp) these counts are
 * an approximation too, since each family has its own tokenizer: leave a margin.
 *
 * Turns with extras: each tool call's id, name and arguments and a result's `toolCallId` are
 * counted as text with the same tokenizer (the API's own framing of tool calls is not published,
 * so this is close, not exact), and each attachment as `ESTIMATED_TOKENS_PER_ATTACHMENT` (1,600)
 * tokens, as `estimateTokens` does; `metadata` is not sent to a model and counts nothing.
 *
 * @example
 * ```ts
 * import { contextWindow } from 'turnstore';
 * import { gptTokenCounter } from 'turnstore/tokenizers';
 *
 * const countTokens = gptTokenCounter({ model: 'gpt-4o' });
 * const window = contextWindow(await memory.get(id), { maxTokens: 8000, countTokens });
 * ```
 */
export function gptTokenCounter(options: GptTokenCounterOptions = {}): TokenCounter {
  const raw = checkOptions(options, { owner: OWNER, known: OPTION_KEYS });
  const given = OPTION_KEYS.filter((key) => raw[key] !== undefined);
  if (given.length > 1) {
    throw invalidOptionError({ owner: OWNER, problem: `may give at most one of model, encoding, tokenizer; got ${given.join(' and ')}` });
  }
  const { model, encoding, tokenizer } = raw as GptTokenCounterOptions;
  let counter: GptTokenizerLike;
  if (tokenizer !== undefined) {
    if (tokenizer === null || typeof tokenizer.countTokens !== 'function') {
      throw invalid('tokenizer', 'must be a gpt-tokenizer module (with a countTokens function)', tokenizer);
    }
    counter = tokenizer;
  } else if (encoding !== undefined) {
    if (typeof encoding !== 'string' || !NAME.test(encoding))
      throw invalid('encoding', 'must be an encoding name such as "o200k_base"', encoding);
    counter = load('encoding', encoding);
  } else {
    const name = model ?? 'gpt-4o';
    if (typeof name !== 'string' || !NAME.test(name)) throw invalid('model', 'must be a model name such as "gpt-4o"', name);
    counter = load('model', name);
  }
  // The four role names are one token each in every encoding, but counting them keeps this exact
  // should an encoding ever split one; four entries, counted once.
  const roleTokens = new Map<string, number>();
  return (turn: TurnLike): number => {
    let role = roleTokens.get(turn.role);
    if (role === undefined) {
      role = counter.countTokens(turn.role, PLAIN_TEXT);
      roleTokens.set(turn.role, role);
    }
    const tokens = role + counter.countTokens(turn.content, PLAIN_TEXT) + GPT_TOKENS_PER_MESSAGE;
    const { toolCalls, toolCallId, attachments } = turn;
    if (toolCalls === undefined && toolCallId === undefined && attachments === undefined) return tokens;
    let extra = 0;
    if (toolCalls !== undefined) {
      for (const call of toolCalls)
        extra +=
          counter.countTokens(call.id, PLAIN_TEXT) +
          counter.countTokens(call.name, PLAIN_TEXT) +
          counter.countTokens(call.arguments, PLAIN_TEXT);
    }
    if (toolCallId !== undefined) extra += counter.countTokens(toolCallId, PLAIN_TEXT);
    if (attachments !== undefined) extra += attachments.length * ESTIMATED_TOKENS_PER_ATTACHMENT;
    return tokens + extra;
  };
}
