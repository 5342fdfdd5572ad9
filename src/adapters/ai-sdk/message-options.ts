/**
 * What `fromModelMessages` and `toModelMessages` share: their options, the turn they read, and how
 * a tool result's output type decides what its content is.
 */
import type { TurnLike } from '../../core/context-window.js';
import { TurnstoreError } from '../../core/errors.js';
import type { TurnExtras } from '../../core/types.js';
import type { UnsupportedContent, UnsupportedOptions } from '../unsupported-content.js';

/** Options of `toModelMessages` and `fromModelMessages`. */
export interface ModelMessageOptions extends UnsupportedOptions {
  /**
   * What to do with what the other side cannot hold — on the way in: tool-approval parts,
   * provider-executed tool calls and their results, attachments that are not http(s): or data:
   * URLs or whose media type is not `type/subtype`, unknown parts; on the way out: `tool` turns
   * without a `toolCallId`, and attachments on system and tool turns.
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
}

/** A turn as {@link toModelMessages} reads it: a store's `Turn`, a `TurnInput`, or your own object. */
export type ModelTurn = TurnLike & TurnExtras;

export function invalid(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_TURN', message);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Tool outputs whose value is text, stored as the turn's content verbatim. */
export const TEXT_OUTPUTS: readonly string[] = ['text', 'error-text'];
/** A denied tool call has no value; its optional reason is the content. */
export const DENIED_OUTPUT = 'execution-denied';
