/**
 * What the framework adapters do with what a text turn cannot hold (images, files, tool calls…),
 * shared so that `turnstore/langchain` and `turnstore/ai-sdk` decide the same way.
 */
import { invalidOptionError, TurnstoreError } from '../core/errors.js';
import { checkOptions, optionKeys } from '../core/options.js';

/**
 * What to do with message content a turn cannot hold. Turns keep text, tool calls, tool results,
 * attachments and metadata, so that is little; each adapter's docs list what it is (for
 * `turnstore/ai-sdk`: tool-approval parts, provider-executed tool calls and their results,
 * attachments that are not http(s): or data: URLs or not `type/subtype`, unknown parts):
 * - `'error'` (default): refuse the whole call with `TURNSTORE_INVALID_TURN`, naming the message
 *   and the part; nothing is stored. Nothing is ever lost without you knowing.
 * - `'drop'`: keep the rest of the message and leave that part out; a message left with nothing at
 *   all is left out entirely rather than stored as an empty turn.
 *
 * Reasoning parts are always left out, in both modes: they are the model's scratchpad, not part of
 * the conversation, and providers that accept them back need signatures a turn does not keep.
 */
export type UnsupportedContent = 'error' | 'drop';

/** Checks the `unsupported` option; `owner` names the function or class in the message. */
export function checkUnsupportedOption(value: unknown, owner: string): UnsupportedContent {
  if (value === undefined) return 'error';
  if (value !== 'error' && value !== 'drop') {
    throw invalidOptionError({ owner, option: 'unsupported', problem: 'must be "error" or "drop"', value });
  }
  return value;
}

/** The options of a conversion function that takes only `unsupported`. */
export interface UnsupportedOptions {
  readonly unsupported?: UnsupportedContent;
}

const UNSUPPORTED_OPTION_KEYS = optionKeys<UnsupportedOptions>({ unsupported: true });

/**
 * Checks the options object of a conversion function (`fromLangChainMessages`, `toModelMessages`,
 * `fromModelMessages`), which takes only `unsupported`: anything else is refused by name.
 */
export function checkUnsupportedOptions(options: unknown, owner: string): UnsupportedContent {
  const raw = checkOptions(options, { owner, known: UNSUPPORTED_OPTION_KEYS });
  return checkUnsupportedOption(raw.unsupported, owner);
}

/**
 * Collects the text of one message part by part. Text is joined with nothing between, as each
 * framework's own `text` accessor does (LangChain's `message.text`, the AI SDK's `result.text`).
 */
export class MessageText {
  #text = '';
  #dropped = false;
  readonly #policy: UnsupportedContent;
  readonly #where: string;

  /** `where` names the message in errors, e.g. `messages[2] (ai)`. */
  constructor(policy: UnsupportedContent, where: string) {
    this.#policy = policy;
    this.#where = where;
  }

  addText(text: string): void {
    this.#text += text;
  }

  /** Reasoning: always left out (see {@link UnsupportedContent}). */
  skipReasoning(): void {
    this.#dropped = true;
  }

  /** Something a turn cannot hold: refused, or dropped with `unsupported: 'drop'`. */
  unsupported(what: string): void {
    if (this.#policy === 'error') {
      throw new TurnstoreError(
        'TURNSTORE_INVALID_TURN',
        `${this.#where} holds ${what}, which a turn cannot keep. Pass { unsupported: 'drop' } to leave it out.`,
      );
    }
    this.#dropped = true;
  }

  /** The text to store, or undefined when the message had nothing but left-out parts (and no text). */
  result(): string | undefined {
    return this.#dropped && this.#text === '' ? undefined : this.#text;
  }
}
