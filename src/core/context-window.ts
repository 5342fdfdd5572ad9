/**
 * `contextWindow`: which stored turns to send to a model whose context holds `maxTokens`.
 * Pure and synchronous, with no dependencies, so it belongs to the core and to `import 'turnstore'`.
 */
import { TurnstoreError } from './errors.js';
import { describe } from './options.js';
import { ROLES, type Role } from './types.js';
import { roleIndex } from './validate.js';

/** What `contextWindow` needs of a turn: a `Turn` from a store, a `TurnInput`, or your own object with these two fields. */
export interface TurnLike {
  readonly role: Role;
  readonly content: string;
}

/**
 * Counts the tokens one turn takes in a request, its role and per-message framing included. Must
 * return a non-negative integer, and the same figure for the same turn.
 */
export type TokenCounter = (turn: TurnLike) => number;

/** Options of {@link contextWindow}. */
export interface ContextWindowOptions {
  /**
   * The tokens the chosen turns may take together: the model's context length minus what the
   * rest of the request needs (the new message, tools, the reply). An integer ≥ 0.
   */
  readonly maxTokens: number;
  /**
   * Counts one turn's tokens. Use `gptTokenCounter()` from `turnstore/tokenizers` for exact
   * figures on OpenAI models.
   * @default {@link estimateTokens}
   */
  readonly countTokens?: TokenCounter;
}

/**
 * Tokens of framing a chat format spends on each message besides its text: OpenAI's cookbook
 * ("How to count tokens with tiktoken", `num_tokens_from_messages`) counts 3 per message, plus the
 * role's own token (each of `user`, `assistant`, `system`, `tool` is one token in cl100k and o200k).
 */
export const ESTIMATED_TOKENS_PER_MESSAGE = 4;

/**
 * The default token count: `ceil(UTF-8 bytes / 4) + 4`.
 *
 * OpenAI's rule of thumb is "one token ≈ 4 characters of English text". Counting UTF-8 bytes
 * rather than characters keeps it there for English (one byte per character) and stops it
 * undercounting other scripts: Chinese and Japanese run at about one token per character (3 bytes),
 * which characters ÷ 4 would undercount almost threefold, while bytes ÷ 4 lands within a few per
 * cent. Measured against gpt-4o's o200k tokenizer: English prose and TypeScript 3.8–4.3 bytes per
 * token, German 4.3, Chinese 4.0, Japanese 4.3, emoji 3.3, Russian 7.2 (so Cyrillic is
 * overcounted, the safe side). The `+ 4` is {@link ESTIMATED_TOKENS_PER_MESSAGE}.
 *
 * It is an estimate: for a budget close to a model's hard limit, count exactly with
 * `gptTokenCounter()` from `turnstore/tokenizers`, or your model's own tokenizer.
 */
export function estimateTokens(turn: TurnLike): number {
  return Math.ceil(utf8Length(turn.content) / 4) + ESTIMATED_TOKENS_PER_MESSAGE;
}

const nativeByteLength: ((text: string) => number) | undefined =
  typeof globalThis.Buffer === 'function' ? (text) => globalThis.Buffer.byteLength(text, 'utf8') : undefined;

/** UTF-8 length, a lone surrogate counted as the 3 bytes of the U+FFFD an encoder would send instead. */
function utf8Length(text: string): number {
  if (nativeByteLength) return nativeByteLength(text);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const OPTION_KEYS: readonly string[] = ['maxTokens', 'countTokens'];

function invalidOption(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_OPTION', `contextWindow: ${message}`);
}

/**
 * The turns to send to a model, out of a conversation's history (oldest first, as `get` returns it):
 *
 * 1. **Every `system` turn** — they are instructions, and dropping one silently would change how
 *    the model behaves without a trace.
 * 2. **Then the newest other turns that fit** in what is left of `maxTokens`, walking back from the
 *    newest. The walk stops at the first turn that does not fit: an older turn is never taken past
 *    a newer one left out, since a history with a hole in it reads as a different conversation.
 * 3. **Never starting with an `assistant` or `tool` turn**: after the system turns, the window
 *    opens with a `user` turn. Turns at its old end are dropped until it does, because a reply
 *    without its question (or a tool result without its call) confuses models, and some APIs
 *    refuse it.
 *
 * The result keeps the original order (a system turn in the middle of the conversation stays where
 * it was) and never splits a turn. It is *maximal*: no longer run of newest non-system turns both
 * fits and opens with a `user` turn. Each turn is counted at most once per call (the system turns,
 * then the newest turns down to the first that does not fit), so an exact tokenizer costs one
 * count per turn looked at.
 *
 * Edges:
 * - **Empty history** → `[]`.
 * - **Nothing but system turns fits** (the newest turn alone is too big, or no `user` turn fits) →
 *   the system turns alone, or `[]` when there are none. Not an error: the new message you send
 *   after the window is what matters, and the model simply sees no history.
 * - **The system turns alone need more than `maxTokens`** → throws `TURNSTORE_INVALID_OPTION`
 *   naming `maxTokens` and both figures. They are never dropped, and returning them anyway would
 *   break the promise that the result fits; a request the model would refuse (or a server would
 *   silently cut) should fail here, where the cause is plain.
 * - **`maxTokens: 0`** is allowed: `[]`, unless there are system turns (then the error above, as
 *   any turn counts at least 1 with the default counter), or turns your counter prices at 0.
 * - **Bad options** (`maxTokens` not an integer ≥ 0, `countTokens` not a function, an unknown key,
 *   options not an object) → `TURNSTORE_INVALID_OPTION` naming the option.
 * - **Bad turns** (not an array; an element without a role of the four or with non-string
 *   content) → `TURNSTORE_INVALID_TURN` naming `turns[i]`.
 * - **`countTokens` returns** anything but a non-negative integer (1.5, -1, NaN, Infinity, a
 *   string) → `TURNSTORE_INVALID_OPTION` naming `countTokens`, the value and the turn. If it
 *   throws, its error propagates unchanged.
 *
 * @returns a new array holding the chosen turn objects themselves (not copies), oldest first.
 * @example
 * ```ts
 * import { MemoryStore, contextWindow } from 'turnstore';
 *
 * const memory = new MemoryStore({ maxTurns: 50 });
 * const history = await memory.get('conv1');
 * const window = contextWindow(history, { maxTokens: 3000 });
 * const messages = [...window.map(({ role, content }) => ({ role, content })), { role: 'user', content: question }];
 * ```
 */
export function contextWindow<T extends TurnLike>(turns: readonly T[], options: ContextWindowOptions): T[] {
  const { maxTokens, countTokens } = checkOptions(options);
  if (!Array.isArray(turns)) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `contextWindow: turns must be an array of {role, content}; got ${describe(turns)}.`);
  }
  const count = (turn: T, index: number): number => {
    const tokens = countTokens(turn);
    if (typeof tokens !== 'number' || !Number.isInteger(tokens) || tokens < 0) {
      throw invalidOption(`countTokens must return an integer ≥ 0; it returned ${describe(tokens)} for turns[${index}].`);
    }
    return tokens;
  };

  // One pass checks every turn and prices the system turns, which are always kept.
  let systemTokens = 0;
  let systemCount = 0;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    checkTurnShape(turn, i);
    if (turn.role === 'system') {
      systemTokens += count(turn, i);
      systemCount++;
    }
  }
  if (systemTokens > maxTokens) {
    throw invalidOption(`the ${systemCount} system turn${systemCount === 1 ? '' : 's'} alone take${systemCount === 1 ? 's' : ''} ${systemTokens} tokens, more than maxTokens (${maxTokens}); system turns are never dropped, so raise maxTokens or shorten them.`);
  }

  // Walk back from the newest non-system turn while each fits; `oldest` ends at the oldest taken.
  let remaining = maxTokens - systemTokens;
  let oldest = turns.length;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'system') continue;
    const tokens = count(turn, i);
    if (tokens > remaining) break;
    remaining -= tokens;
    oldest = i;
  }
  // The start rule: the window's first non-system turn must be a user turn.
  while (oldest < turns.length && turns[oldest]!.role !== 'user') oldest++;

  const window: T[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (i >= oldest || turn.role === 'system') window.push(turn);
  }
  return window;
}

function checkOptions(options: unknown): { maxTokens: number; countTokens: TokenCounter } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidOption(`options must be an object {maxTokens, countTokens?}; got ${describe(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw invalidOption(`unknown option "${key}"; known options are ${OPTION_KEYS.join(', ')}.`);
  }
  const { maxTokens, countTokens = estimateTokens } = options as Partial<ContextWindowOptions>;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    throw invalidOption(`option "maxTokens" must be an integer ≥ 0; got ${describe(maxTokens)}.`);
  }
  if (typeof countTokens !== 'function') {
    throw invalidOption(`option "countTokens" must be a function (turn) => number; got ${describe(countTokens)}.`);
  }
  return { maxTokens, countTokens };
}

function checkTurnShape(turn: unknown, index: number): void {
  if (turn === null || typeof turn !== 'object') {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `contextWindow: turns[${index}] must be an object {role, content}; got ${describe(turn)}.`);
  }
  const { role, content } = turn as TurnLike;
  if (roleIndex(role) < 0) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `contextWindow: the role of turns[${index}] must be one of ${ROLES.join(', ')}; got ${describe(role)}.`);
  }
  if (typeof content !== 'string') {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `contextWindow: the content of turns[${index}] must be a string; got ${describe(content)}.`);
  }
}
