/**
 * `contextWindow`: which stored turns to send to a model whose context holds `maxTokens`.
 * Pure and synchronous, with no dependencies, so it belongs to the core and to `import 'turnstore'`.
 */
import { describe, invalidOptionError, TurnstoreError } from './errors.js';
import { checkOptions as checkOptionsObject, optionErrorsOf, optionKeys } from './options.js';
import { NO_EXCHANGE, ORPHAN, ToolExchanges } from './tool-exchanges.js';
import { ROLES, type Attachment, type Role, type ToolCall } from './types.js';
import { roleIndex } from './validate.js';

/**
 * What `contextWindow` needs of a turn: a `Turn` from a store, a `TurnInput`, or your own object
 * with these fields (any others, such as `ts` or `metadata`, pass through untouched).
 */
export interface TurnLike {
  readonly role: Role;
  readonly content: string;
  /** An assistant turn's tool calls: the window keeps them only together with every result. */
  readonly toolCalls?: readonly ToolCall[] | undefined;
  /** A tool turn's answer to the call of this id: the window keeps it only together with that call. */
  readonly toolCallId?: string | undefined;
  /** Files the turn carries; `estimateTokens` prices each at {@link ESTIMATED_TOKENS_PER_ATTACHMENT}. */
  readonly attachments?: readonly Attachment[] | undefined;
  /** `true` on a conversation's summary (a `system` turn, first in what `get` returns): kept like every system turn. */
  readonly summary?: true | undefined;
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
 * What {@link estimateTokens} charges for each attachment, whatever its URL: what a model spends on
 * a file depends on its pixels (or pages, or seconds), which neither an `https:` URL nor the length
 * of a `data:` URL tells. 1,600 covers an image up to about 1.15 megapixels on the common APIs:
 * gpt-4o at high detail charges 85 + 170 per 512-pixel tile after scaling (765 for 1024×1024, 1,105
 * for 1920×1080), Claude about width × height ÷ 750 (≈ 1,600 at its 1.15-megapixel default size),
 * Gemini 258 per 768-pixel tile. PDFs and audio can cost far more: count those yourself.
 */
export const ESTIMATED_TOKENS_PER_ATTACHMENT = 1600;

/**
 * The default token count: `ceil(UTF-8 bytes / 4) + 4`, plus {@link ESTIMATED_TOKENS_PER_ATTACHMENT}
 * for each attachment.
 *
 * OpenAI's rule of thumb is "one token ≈ 4 characters of English text". Counting UTF-8 bytes
 * rather than characters keeps it there for English (one byte per character) and stops it
 * undercounting other scripts: Chinese and Japanese run at about one token per character (3 bytes),
 * which characters ÷ 4 would undercount almost threefold, while bytes ÷ 4 lands within a few per
 * cent. Measured against gpt-4o's o200k tokenizer: English prose and TypeScript 3.8–4.3 bytes per
 * token, German 4.3, Chinese 4.0, Japanese 4.3, emoji 3.3, Russian 7.2 (so Cyrillic is
 * overcounted, the safe side). The `+ 4` is {@link ESTIMATED_TOKENS_PER_MESSAGE}.
 *
 * Tool calls count as text: each call's `id`, `name` and `arguments` add their UTF-8 bytes to the
 * content's, and so does a tool turn's `toolCallId` (the ids stand in for the framing a chat format
 * wraps a call in). Attachments cost {@link ESTIMATED_TOKENS_PER_ATTACHMENT} each, their URL not
 * counted. `metadata` is never sent to a model, so it costs nothing. A plain turn's count is the
 * same as before turns could carry these.
 *
 * It is an estimate: for a budget close to a model's hard limit, count exactly with
 * `gptTokenCounter()` from `turnstore/tokenizers`, or your model's own tokenizer.
 */
export function estimateTokens(turn: TurnLike): number {
  const { toolCalls, toolCallId, attachments } = turn;
  // A plain turn (the common case) is priced without looking further.
  if (toolCalls === undefined && toolCallId === undefined && attachments === undefined) {
    return Math.ceil(utf8Length(turn.content) / 4) + ESTIMATED_TOKENS_PER_MESSAGE;
  }
  let bytes = utf8Length(turn.content);
  if (toolCalls !== undefined) {
    for (const call of toolCalls) bytes += utf8Length(call.id) + utf8Length(call.name) + utf8Length(call.arguments);
  }
  if (toolCallId !== undefined) bytes += utf8Length(toolCallId);
  const files = attachments === undefined ? 0 : attachments.length;
  return Math.ceil(bytes / 4) + ESTIMATED_TOKENS_PER_MESSAGE + files * ESTIMATED_TOKENS_PER_ATTACHMENT;
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

const OWNER = 'contextWindow';
const invalidOption = optionErrorsOf(OWNER);

/**
 * The turns to send to a model, out of a conversation's history (oldest first, as `get` returns it):
 *
 * 1. **Every `system` turn** — they are instructions, and dropping one silently would change how
 *    the model behaves without a trace. A conversation's summary (`summary: true`, decision 16) is
 *    a system turn and stands first in what `get` returns, so it stays first and is never dropped
 *    before an ordinary turn: when the budget is tight the oldest ordinary turns go, and when the
 *    system turns with the summary alone exceed it, the error below says so (summarise shorter, or
 *    raise `maxTokens`).
 * 2. **Then the newest other turns that fit** in what is left of `maxTokens`, walking back from the
 *    newest. The walk stops at the first turn that does not fit: an older turn is never taken past
 *    a newer one left out, since a history with a hole in it reads as a different conversation.
 * 3. **Never starting with an `assistant` or `tool` turn**: after the system turns, the window
 *    opens with a `user` turn. Turns at its old end are dropped until it does, because a reply
 *    without its question (or a tool result without its call) confuses models, and some APIs
 *    refuse it.
 * 4. **Never breaking a tool exchange** — an assistant turn with `toolCalls` plus the `tool` turns
 *    whose `toolCallId` answers them. OpenAI-style APIs refuse a tool result whose call is not in
 *    the request, and an assistant tool call without all its results. So the window never opens
 *    inside an exchange: one that the budget would cut in half is left out whole, with the turns
 *    up to the next `user` turn, as rule 3 leaves out a reply without its question.
 *
 * Orphans are never emitted, wherever they are: a `tool` turn whose `toolCallId` names no earlier
 * call in `turns` (its call is older than the history kept, e.g. cut by the store's `maxTurns`),
 * an assistant turn with a call that no later `tool` turn answers (its results are missing, or not
 * appended yet: add them to `turns` before windowing), and the results of such an assistant turn.
 * They are skipped, neither counted nor a hole that ends the window, since they could never be
 * sent. A `tool` turn answers the nearest earlier assistant turn with a call of its id (ids may
 * repeat from one reply to the next). A `tool` turn without `toolCallId` (the seed's plain tool
 * output) pairs with nothing and is kept like any other turn.
 *
 * The result keeps the original order (a system turn in the middle of the conversation stays where
 * it was) and never splits a turn. It is *maximal*: of the non-system turns that are not orphans,
 * no longer run of the newest both fits and may open the window (a `user` turn older than every
 * call whose exchange has a turn in the run). Each turn is counted at most once per call (the
 * system turns, then the newest turns down to the first that does not fit; orphans never), so an
 * exact tokenizer costs one count per turn looked at. A history of plain turns costs what it did
 * before turns could carry tool calls: pairing runs only for turns that carry them.
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
 *   content; `toolCalls` not a list of `{id, name, arguments}` strings, or non-empty on a turn that
 *   is not `assistant`; `toolCallId` not a string, or on a turn that is not `tool`) →
 *   `TURNSTORE_INVALID_TURN` naming `turns[i]` and the field.
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
      throw invalidOption('countTokens', `must return an integer ≥ 0; it returned ${describe(tokens)} for turns[${index}]`);
    }
    return tokens;
  };

  // One pass checks every turn, pairs tool results with their calls, and prices the system turns,
  // which are always kept. `exchanges` exists only if some turn links to another, so a history of
  // plain turns allocates nothing for it.
  let systemTokens = 0;
  let systemCount = 0;
  let exchanges: ToolExchanges | undefined;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    checkTurnShape(turn, i);
    if (turn.toolCalls !== undefined || turn.toolCallId !== undefined) {
      exchanges ??= new ToolExchanges(turns.length);
      exchanges.add(turn, i);
    }
    if (turn.role === 'system') {
      systemTokens += count(turn, i);
      systemCount++;
    }
  }
  if (systemTokens > maxTokens) {
    throw invalidOption(
      'maxTokens',
      `is too small: the ${systemCount} system turn${systemCount === 1 ? '' : 's'} alone take${systemCount === 1 ? 's' : ''} ${systemTokens} tokens, more than maxTokens (${maxTokens}); system turns are never dropped, so raise maxTokens or shorten them`,
    );
  }

  // Walk back from the newest non-system turn while each fits. `start` ends at the oldest turn the
  // window may open with: a user turn with no exchange reaching across it, i.e. older than every
  // call (`firstCall`) whose exchange has a member among the turns taken so far.
  let remaining = maxTokens - systemTokens;
  let start = turns.length;
  let firstCall = turns.length;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'system') continue;
    if (exchanges !== undefined) {
      const owner = exchanges.ownerOf(i);
      if (owner === ORPHAN) continue;
      if (owner !== NO_EXCHANGE && owner < firstCall) firstCall = owner;
    }
    const tokens = count(turn, i);
    if (tokens > remaining) break;
    remaining -= tokens;
    if (turn.role === 'user' && i < firstCall) start = i;
  }

  const window: T[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === 'system' || (i >= start && (exchanges === undefined || exchanges.ownerOf(i) !== ORPHAN))) window.push(turn);
  }
  return window;
}

function checkOptions(options: unknown): { maxTokens: number; countTokens: TokenCounter } {
  // Options are required here: contextWindow without a budget has nothing to do.
  if (options === undefined)
    throw invalidOptionError({ owner: OWNER, problem: 'must be an object {maxTokens, countTokens}', value: options });
  const raw = checkOptionsObject(options, {
    owner: OWNER,
    known: optionKeys<ContextWindowOptions>({ maxTokens: true, countTokens: true }),
  });
  const { maxTokens, countTokens = estimateTokens } = raw as Partial<ContextWindowOptions>;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    throw invalidOption('maxTokens', 'must be an integer ≥ 0', maxTokens);
  }
  if (typeof countTokens !== 'function') {
    throw invalidOption('countTokens', 'must be a function (turn) => number', countTokens);
  }
  return { maxTokens, countTokens };
}

function checkTurnShape(turn: unknown, index: number): void {
  if (turn === null || typeof turn !== 'object') {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `contextWindow: turns[${index}] must be an object {role, content}; got ${describe(turn)}.`,
    );
  }
  const { role, content } = turn as TurnLike;
  if (roleIndex(role) < 0) {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `contextWindow: the role of turns[${index}] must be one of ${ROLES.join(', ')}; got ${describe(role)}.`,
    );
  }
  if (typeof content !== 'string') {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `contextWindow: the content of turns[${index}] must be a string; got ${describe(content)}.`,
    );
  }
}
