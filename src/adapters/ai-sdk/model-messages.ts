/**
 * Vercel AI SDK `ModelMessage`s ↔ turnstore turns. Plain data both ways: nothing from `ai` is
 * loaded at run time (only its types are used), so this works with ai 5 and 6 alike.
 */
import type { ModelMessage } from 'ai';
import type { TurnLike } from '../../core/context-window.js';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { TurnInput } from '../../core/types.js';
import { roleIndex } from '../../core/validate.js';
import { MessageText, checkUnsupportedOption, type UnsupportedContent } from '../unsupported-content.js';

/** Options of {@link toModelMessages} and {@link fromModelMessages}. */
export interface ModelMessageOptions {
  /**
   * What to do with what the other side cannot hold: non-text parts and tool messages on the way
   * in, `tool` turns on the way out.
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
}

const OPTION_KEYS: readonly string[] = ['unsupported'];

function checkOptions(options: unknown, owner: string): UnsupportedContent {
  if (options === undefined) return 'error';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TurnstoreError('TURNSTORE_INVALID_OPTION', `${owner}: options must be an object {unsupported?}; got ${describe(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new TurnstoreError('TURNSTORE_INVALID_OPTION', `${owner}: unknown option "${key}"; known options are ${OPTION_KEYS.join(', ')}.`);
  }
  return checkUnsupportedOption((options as ModelMessageOptions).unsupported, owner);
}

/** What a part is called in errors: `a "tool-call" part (content[1], tool weather)`. */
function partLabel(part: unknown, index: number): string {
  const type = part !== null && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
  const toolName = part !== null && typeof part === 'object' ? (part as { toolName?: unknown }).toolName : undefined;
  return `a ${typeof type === 'string' ? JSON.stringify(type) : 'untyped'} part (content[${index}]${typeof toolName === 'string' ? `, tool ${toolName}` : ''})`;
}

/**
 * Turns (from a store's `get`, or `contextWindow`) → AI SDK messages for `generateText` /
 * `streamText`: `system`, `user` and `assistant` turns become messages of that role with string
 * content. A `tool` turn cannot become a tool message — the SDK requires the call's id and tool
 * name, which turnstore does not keep — so it is refused (`TURNSTORE_INVALID_TURN`), or left out
 * with `unsupported: 'drop'`. `ts` is not sent.
 *
 * @example
 * ```ts
 * const result = await generateText({ model, messages: [...toModelMessages(await memory.get(id)), { role: 'user', content: question }] });
 * ```
 */
export function toModelMessages(turns: readonly TurnLike[], options?: ModelMessageOptions): ModelMessage[] {
  const policy = checkOptions(options, 'toModelMessages');
  if (!Array.isArray(turns)) throw new TurnstoreError('TURNSTORE_INVALID_TURN', `toModelMessages: turns must be an array of {role, content}; got ${describe(turns)}.`);
  const messages: ModelMessage[] = [];
  turns.forEach((turn: unknown, index) => {
    const { role, content } = (turn ?? {}) as Partial<TurnLike>;
    if (roleIndex(role) < 0 || typeof content !== 'string') {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `toModelMessages: turns[${index}] must be {role: user|assistant|system|tool, content: string}; got ${describe(turn)}.`);
    }
    switch (role) {
      case 'system':
      case 'user':
      case 'assistant':
        messages.push({ role, content } as ModelMessage);
        break;
      case 'tool':
        if (policy === 'error') {
          throw new TurnstoreError('TURNSTORE_INVALID_TURN', `toModelMessages: turns[${index}] is a tool turn; an AI SDK tool message needs the tool call's id and name, which turnstore does not keep. Pass { unsupported: 'drop' } to leave tool turns out.`);
        }
        break;
    }
  });
  return messages;
}

/**
 * AI SDK messages (what you sent, and `result.response.messages`) → turns for `appendMany`, all
 * checked before anything is stored.
 *
 * - `system`, `user`, `assistant` messages become turns of that role. String content is kept as it
 *   is; from an array of parts, the text parts are joined with nothing between (as the SDK's own
 *   `result.text` joins them).
 * - Reasoning parts are always left out (the model's scratchpad, not the conversation).
 * - Unsupported — refused with `TURNSTORE_INVALID_TURN` naming the message and part (default), or
 *   dropped with `unsupported: 'drop'`: image and file parts, tool-call, tool-result and
 *   tool-approval parts, and `tool` messages as a whole (they hold only tool results). With
 *   `'drop'`, a message left with no text (a step that only called a tool) is left out, so a
 *   tool-using exchange stores as the user's question and the final answer.
 * - `providerOptions` are not kept.
 */
export function fromModelMessages(messages: readonly ModelMessage[], options?: ModelMessageOptions): TurnInput[] {
  const policy = checkOptions(options, 'fromModelMessages');
  if (!Array.isArray(messages)) throw new TurnstoreError('TURNSTORE_INVALID_TURN', `fromModelMessages: messages must be an array of AI SDK messages; got ${describe(messages)}.`);
  const turns: TurnInput[] = [];
  messages.forEach((message: unknown, index) => {
    const { role, content } = (message !== null && typeof message === 'object' ? message : {}) as { role?: unknown; content?: unknown };
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `fromModelMessages: messages[${index}] must be an AI SDK message with role system, user, assistant or tool; got ${describe(message === null || typeof message !== 'object' ? message : role)}.`);
    }
    const where = `messages[${index}] (${role})`;
    const text = new MessageText(policy, where);
    if (role === 'tool') {
      text.unsupported('tool results');
    } else if (typeof content === 'string') {
      text.addText(content);
    } else if (Array.isArray(content) && role !== 'system') {
      content.forEach((part: unknown, partIndex) => {
        const type = part !== null && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
        if (type === 'text') {
          const value = (part as { text?: unknown }).text;
          if (typeof value !== 'string') throw new TurnstoreError('TURNSTORE_INVALID_TURN', `fromModelMessages: ${where}: content[${partIndex}] is a text part whose text is ${describe(value)}.`);
          text.addText(value);
        } else if (type === 'reasoning' && role === 'assistant') {
          text.skipReasoning();
        } else {
          text.unsupported(partLabel(part, partIndex));
        }
      });
    } else {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `fromModelMessages: ${where} has content ${describe(content)}; expected ${role === 'system' ? 'a string' : 'a string or an array of parts'}.`);
    }
    const kept = text.result();
    if (kept !== undefined) turns.push({ role, content: kept });
  });
  return turns;
}
