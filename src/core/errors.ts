/**
 * Every error turnstore raises is a {@link TurnstoreError} carrying one of the codes below.
 * This file is the single list of codes: docs/errors.md and a test keep themselves in step with it.
 */

/** The stable error codes, each with what it means. */
export const ERROR_CODES = {
  TURNSTORE_INVALID_OPTION: 'An option (of a store, or of a call such as list) is missing, of the wrong type, out of range or unknown.',
  TURNSTORE_INVALID_ID: 'A conversation id is not a well-formed string of 1 to 256 UTF-16 code units.',
  TURNSTORE_INVALID_TURN:
    'A turn has a role outside user/assistant/system/tool, content that is not a well-formed string, or a bad or misplaced extra field (toolCalls, toolCallId, attachments, metadata) or an unknown one.',
  TURNSTORE_TURN_TOO_LARGE: "A turn's content plus its extra fields as stored is larger than maxTurnBytes (UTF-8 bytes).",
  TURNSTORE_CLOSED: 'The store was closed; every call after close() rejects.',
  TURNSTORE_BACKEND_UNAVAILABLE: 'The storage backend (SQLite file, Redis or PostgreSQL server) could not be reached or failed.',
  TURNSTORE_MISSING_PEER: 'An optional peer dependency needed by this entry point is not installed.',
} as const;

/** One of the stable error codes of {@link ERROR_CODES}. */
export type TurnstoreErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error class of turnstore. Match on `code`, never on `message`.
 *
 * @example
 * ```ts
 * try { await store.append(id, 'robot', 'hi') }
 * catch (error) { if (error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN') … }
 * ```
 */
export class TurnstoreError extends Error {
  /** Stable, machine-readable code. */
  readonly code: TurnstoreErrorCode;

  constructor(code: TurnstoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TurnstoreError';
    this.code = code;
  }
}

/** True when `value` is a {@link TurnstoreError}, optionally with the given code. */
export function isTurnstoreError(value: unknown, code?: TurnstoreErrorCode): value is TurnstoreError {
  return value instanceof TurnstoreError && (code === undefined || value.code === code);
}
