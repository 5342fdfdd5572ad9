/**
 * The `messages` of an OpenAI-compatible chat request, as memory sees them: which are
 * instructions and which take part in the conversation, and the text of each.
 */
import { TurnstoreError } from '../core/errors.js';

/** A message of a chat request: a `role` and whatever else the caller sent, kept as it is. */
export interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly [field: string]: unknown;
}

/**
 * Roles that instruct the model rather than take part in the conversation: `system`, and
 * `developer`, OpenAI's newer name for it. They go first, and are never remembered.
 */
export const INSTRUCTION_ROLES: ReadonlySet<string> = new Set(['system', 'developer']);

/**
 * The text of a message's `content`: a string as it is; from an array of parts, the `text` of each
 * text part joined with nothing between (as OpenAI's own clients join them); `null` or absent (an
 * assistant message that only calls tools) is `''`. Image, audio and file parts have no text and are
 * left out (`readContent` in content-parts.ts reads them as attachments, by the same rule for text).
 */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part !== null && typeof part === 'object' && typeof part.text === 'string' && (part.type === 'text' || part.type === undefined))
      text += part.text;
  }
  return text;
}

/** A chat request's messages, sorted for memory. */
export interface SplitMessages {
  /** The `system` and `developer` messages, in their order. */
  readonly instructions: readonly ChatMessage[];
  /** Every other message, in its order. */
  readonly conversation: readonly ChatMessage[];
}

/**
 * Sorts `messages` (the request's `messages` field) for memory; throws `TURNSTORE_INVALID_TURN`
 * when it is not an array of objects with a string `role`.
 */
export function splitMessages(messages: unknown): SplitMessages {
  if (!Array.isArray(messages)) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', 'body/messages must be an array of {role, content} messages.');
  }
  const instructions: ChatMessage[] = [];
  const conversation: ChatMessage[] = [];
  messages.forEach((message: unknown, index) => {
    if (message === null || typeof message !== 'object' || Array.isArray(message) || typeof (message as ChatMessage).role !== 'string') {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `body/messages/${index} must be an object with a string role.`);
    }
    (INSTRUCTION_ROLES.has((message as ChatMessage).role) ? instructions : conversation).push(message as ChatMessage);
  });
  return { instructions, conversation };
}
