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
  TURNSTORE_MISSING_PEER: 'An optional peer dependency needed by this entry point is not installed (or is of a version that cannot work).',
  TURNSTORE_PEER_LOAD_FAILED:
    'An optional peer dependency is installed but failed to load (a native addon built for another Node.js version, a broken install); the loading error is the cause.',
  TURNSTORE_CONFLICT:
    'compact found the conversation changed since the caller read it (another compaction, a trim, a pop, a replacement, a delete or expiry), so it changed nothing; read again and retry.',
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

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/**
 * Makes the errors of one code with one wording, for codes raised in many places (in the manner of
 * `@fastify/error`'s `createError`): callers give the details, the factory writes the message.
 */
export interface ErrorFactory<Details> {
  (details: Details, options?: { cause?: unknown }): TurnstoreError;
  /** The code every error it makes carries. */
  readonly code: TurnstoreErrorCode;
}

function errorFactory<Details>(code: TurnstoreErrorCode, format: (details: Details) => string): ErrorFactory<Details> {
  const make = (details: Details, options?: { cause?: unknown }) => new TurnstoreError(code, format(details), options);
  return Object.assign(make, { code });
}

/** What was wrong with an option (or, without `option`, with the options object itself). */
export interface InvalidOptionDetails {
  /** The entry point: `'MemoryStore'`, `'createServer'`, `'list'`, `'gptTokenCounter'`… */
  readonly owner: string;
  /** The option's name; absent when the options object as a whole is wrong. */
  readonly option?: string;
  /** What is wrong, as a predicate: `'must be an integer ≥ 1'`, `'is not supported by RedisStore: …'`. */
  readonly problem: string;
  /** The value given, shown (briefly and safely) after the problem when present in the details. */
  readonly value?: unknown;
}

/** `TURNSTORE_INVALID_OPTION`: `owner: option "name" must be …; got ….` */
export const invalidOptionError = errorFactory<InvalidOptionDetails>('TURNSTORE_INVALID_OPTION', (details) => {
  const subject = details.option === undefined ? 'options' : `option "${details.option}"`;
  const got = 'value' in details ? `; got ${describe(details.value)}` : '';
  return `${details.owner}: ${subject} ${details.problem}${got}.`;
});

/** `TURNSTORE_INVALID_OPTION` for a key the entry point does not know, listing the ones it does. */
export const unknownOptionError = errorFactory<{ readonly owner: string; readonly option: string; readonly known: readonly string[] }>(
  'TURNSTORE_INVALID_OPTION',
  ({ owner, option, known }) => `${owner}: unknown option "${option}"; known options are ${known.join(', ')}.`,
);

/** Who needs a peer and what to run to get it. */
export interface PeerDetails {
  /** What needs it: `'SqliteStore'`, `'The turnstore HTTP service'`, `'turnstore/langchain'`. */
  readonly purpose: string;
  /** The package, as installed: `'better-sqlite3'`. */
  readonly name: string;
  /** The command that installs it. @default `npm install <name>` */
  readonly install?: string;
  /** A sentence about what the peer needs beyond installing (a Node.js version), appended as given. */
  readonly needs?: string;
}

const installOf = (details: PeerDetails) => details.install ?? `npm install ${details.name}`;
const needsOf = (details: PeerDetails) => (details.needs === undefined ? '' : ` ${details.needs}`);

/**
 * `TURNSTORE_MISSING_PEER`: the package is not installed, or (with `installed` and `wanted`) the
 * installed version cannot work, which counts as missing.
 */
export const missingPeerError = errorFactory<PeerDetails & { readonly installed?: string; readonly wanted?: string }>(
  'TURNSTORE_MISSING_PEER',
  (details) =>
    details.installed === undefined
      ? `${details.purpose} needs the package "${details.name}", which is not installed: run ${installOf(details)}.${needsOf(details)}`
      : `${details.purpose} needs the package "${details.name}" ${details.wanted ?? ''}; ${details.installed} is installed: run ${installOf(details)}.${needsOf(details)}`,
);

/** `TURNSTORE_PEER_LOAD_FAILED`: the package is installed but loading it threw (the error is the cause). */
export const peerLoadFailedError = errorFactory<PeerDetails & { readonly reason: string }>(
  'TURNSTORE_PEER_LOAD_FAILED',
  (details) =>
    `${details.purpose} needs the package "${details.name}", which is installed but failed to load: ${details.reason}. ` +
    `Reinstall it (npm rebuild ${details.name}, or ${installOf(details)}) with the Node.js that runs this process (${process.version}).${needsOf(details)}`,
);

/** `TURNSTORE_CLOSED`: a call on a store (or its connection) after `close()`. */
export const closedError = errorFactory<{ readonly owner: string; readonly during?: string }>(
  'TURNSTORE_CLOSED',
  ({ owner, during }) => `This ${owner} was closed${during === undefined ? '' : ` while ${during} was running`}.`,
);

/**
 * `TURNSTORE_BACKEND_UNAVAILABLE`: the backend could not be reached or failed. `backend` names it
 * (`'Redis'`, `'PostgreSQL'`, `'SQLite'`, `'The store'`), `problem` says what happened; the driver's
 * error goes in `cause`.
 */
export const backendUnavailableError = errorFactory<{ readonly backend: string; readonly problem: string }>(
  'TURNSTORE_BACKEND_UNAVAILABLE',
  ({ backend, problem }) => `${backend} ${problem}`,
);

/**
 * `TURNSTORE_CONFLICT`: `compact` refused because the conversation no longer begins with what the
 * caller saw; `problem` says what differs. Nothing was changed, so the caller reads again and retries.
 */
export const conflictError = errorFactory<{ readonly id: string; readonly problem: string }>(
  'TURNSTORE_CONFLICT',
  ({ id, problem }) =>
    `compact(${describe(id)}): the conversation changed since it was read (${problem}); nothing was changed. Read it again and retry.`,
);
