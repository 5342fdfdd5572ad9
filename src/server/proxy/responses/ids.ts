/**
 * Ids of the Responses API routes. A response id names the conversation that holds the response,
 * so that `GET /v1/responses/{id}` and `previous_response_id` find it with one `get`, with no
 * index beside the store: `resp_` + 24 random hex digits + the conversation id in base64url. The
 * random part tells apart the responses of one conversation; the ids of its items are made from it.
 */
import { randomBytes } from 'node:crypto';
import { MAX_ID_LENGTH } from '../../../core/validate.js';

const PREFIX = 'resp_';
const KEY_LENGTH = 24;
const ID = /^resp_([0-9a-f]{24})([A-Za-z0-9_-]+)$/;

/** A new response id for a response stored in `conversationId`. */
export function newResponseId(conversationId: string): string {
  return `${PREFIX}${randomBytes(KEY_LENGTH / 2).toString('hex')}${Buffer.from(conversationId, 'utf8').toString('base64url')}`;
}

/** A new conversation id, for a response that names neither `conversation` nor `previous_response_id`, or forks. */
export function newConversationId(): string {
  return `conv_${randomBytes(16).toString('hex')}`;
}

/** What a response id says: its conversation, and the key its item ids are made from. */
export interface ResponseIdParts {
  readonly conversationId: string;
  readonly key: string;
}

/** The parts of `id`, or undefined when it is no id this service made (then no response has it). */
export function partsOfResponseId(id: string): ResponseIdParts | undefined {
  const match = ID.exec(id);
  if (!match) return undefined;
  const encoded = match[2]!;
  const conversationId = Buffer.from(encoded, 'base64url').toString('utf8');
  // Only the one encoding of a valid id: a decoding that does not encode back is no id of ours.
  if (conversationId.length === 0 || conversationId.length > MAX_ID_LENGTH) return undefined;
  if (Buffer.from(conversationId, 'utf8').toString('base64url') !== encoded) return undefined;
  return { conversationId, key: match[1]! };
}

/** The id of a response's message output item. */
export const messageItemId = (key: string): string => `msg_${key}`;
/** The id of a response's `index`th function call output item. */
export const callItemId = (key: string, index: number): string => `fc_${key}_${index}`;
/** The id of a response's `index`th input item. */
export const inputItemId = (key: string, index: number): string => `in_${key}_${index}`;
