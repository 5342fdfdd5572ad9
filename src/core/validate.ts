import { describe, invalidOptionError, TurnstoreError } from './errors.js';
import { checkOptions, optionKeys } from './options.js';
import { EXTRA_FIELDS, checkExtrasFit, type StoredExtras } from './turn-extras.js';
import { ROLES, type AppendManyOptions, type ListOptions, type Role, type TurnInput } from './types.js';
import { utf8ByteLength } from './utf8.js';

/** Longest id, in UTF-16 code units (SPEC §4). */
export const MAX_ID_LENGTH = 256;
/** Most conversations one `list` page returns. */
export const MAX_LIST_LIMIT = 1000;
/** Page size of `list` without a `limit`. */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * Checks a conversation id: a well-formed string of 1 to 256 UTF-16 code units. Well-formed means
 * no lone surrogate: SQLite and Redis store UTF-8, where a lone surrogate cannot be represented
 * and two different ids would collapse into one.
 */
export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || !id.isWellFormed()) {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_ID',
      typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH
        ? 'Conversation id must be well-formed UTF-16 (it has a lone surrogate).'
        : `Conversation id must be a string of 1 to ${MAX_ID_LENGTH} characters; got ${typeof id === 'string' ? `a string of length ${id.length}` : describe(id)}.`,
    );
  }
}

/** Index of a role in {@link ROLES}, or -1. */
export function roleIndex(role: unknown): number {
  switch (role) {
    case 'user':
      return 0;
    case 'assistant':
      return 1;
    case 'system':
      return 2;
    case 'tool':
      return 3;
    default:
      return -1;
  }
}

/**
 * Checks one turn and returns the UTF-8 byte length of its content. `where` names the turn in
 * messages (e.g. `turns[2]`).
 */
export function checkTurn(role: unknown, content: unknown, maxTurnBytes: number, where = 'turn'): number {
  if (roleIndex(role) < 0) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `The role of ${where} must be one of ${ROLES.join(', ')}; got ${describe(role)}.`);
  }
  if (typeof content !== 'string') {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `The content of ${where} must be a string; got ${describe(content)}.`);
  }
  const bytes = utf8ByteLength(content);
  if (bytes < 0) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `The content of ${where} must be well-formed UTF-16 (it has a lone surrogate).`);
  }
  if (bytes > maxTurnBytes) {
    throw new TurnstoreError(
      'TURNSTORE_TURN_TOO_LARGE',
      `The content of ${where} is ${bytes} UTF-8 bytes; maxTurnBytes is ${maxTurnBytes}.`,
    );
  }
  return bytes;
}

/** The fields a `TurnInput` may have. */
const TURN_INPUT_FIELDS: readonly string[] = Object.freeze(['role', 'content', ...EXTRA_FIELDS]);

/** The turns of `appendMany`, checked: per turn its role, content, size in bytes (content plus extras) and extras. */
export interface CheckedTurns {
  readonly roles: Role[];
  readonly contents: string[];
  readonly bytes: number[];
  /** `undefined` for a plain turn. */
  readonly extras: Array<StoredExtras | undefined>;
}

/**
 * Checks the turns of `appendMany` and returns their byte lengths (content plus extras), so a
 * store can refuse the whole batch before it changes anything. A turn with a field other than
 * `role`, `content` and the extra fields is refused (`ts` too: the store sets it).
 */
export function checkTurns(turns: unknown, maxTurnBytes: number): CheckedTurns {
  if (!Array.isArray(turns)) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `turns must be an array of {role, content}; got ${describe(turns)}.`);
  }
  const roles: Role[] = [];
  const contents: string[] = [];
  const bytes: number[] = [];
  const extras: Array<StoredExtras | undefined> = [];
  for (let i = 0; i < turns.length; i++) {
    const turn: unknown = turns[i];
    if (turn === null || typeof turn !== 'object' || Array.isArray(turn)) {
      throw new TurnstoreError('TURNSTORE_INVALID_TURN', `turns[${i}] must be an object {role, content}; got ${describe(turn)}.`);
    }
    const { role, content } = turn as TurnInput;
    const where = `turns[${i}]`;
    const contentBytes = checkTurn(role, content, maxTurnBytes, where);
    const extra = checkExtrasFit(role, turn, contentBytes, maxTurnBytes, where, TURN_INPUT_FIELDS);
    bytes.push(extra === undefined ? contentBytes : contentBytes + extra.bytes);
    roles.push(role);
    contents.push(content);
    extras.push(extra);
  }
  return { roles, contents, bytes, extras };
}

const LIST_OPTION_KEYS = optionKeys<ListOptions>({ limit: true, cursor: true });

/** Checks the options of `list` (an unknown key is refused like any bad option) and applies the default limit. */
export function checkListOptions(options: unknown): { limit: number; cursor: string | undefined } {
  const raw = checkOptions(options, { owner: 'list', known: LIST_OPTION_KEYS });
  const { limit = DEFAULT_LIST_LIMIT, cursor } = raw as ListOptions;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalidOptionError({ owner: 'list', option: 'limit', problem: `must be an integer from 1 to ${MAX_LIST_LIMIT}`, value: limit });
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    throw invalidOptionError({ owner: 'list', option: 'cursor', problem: 'must be a cursor string returned by list', value: cursor });
  }
  return { limit, cursor };
}

const APPEND_MANY_OPTION_KEYS = optionKeys<AppendManyOptions>({ replaceNewest: true });

/**
 * Checks the options of `appendMany` (an unknown key is refused like any bad option) and returns
 * `replaceNewest`: 0 when absent. Callers skip the call when `options` is `undefined`, so a plain
 * `appendMany` pays nothing for it.
 */
export function checkAppendManyOptions(options: unknown): number {
  const raw = checkOptions(options, { owner: 'appendMany', known: APPEND_MANY_OPTION_KEYS });
  const { replaceNewest = 0 } = raw as AppendManyOptions;
  if (typeof replaceNewest !== 'number' || !Number.isSafeInteger(replaceNewest) || replaceNewest < 0) {
    throw invalidOptionError({ owner: 'appendMany', option: 'replaceNewest', problem: 'must be an integer ≥ 0', value: replaceNewest });
  }
  return replaceNewest;
}
