/**
 * The fields a turn may carry beside role and content (tool calls, the id of the call a tool turn
 * answers, attachments, metadata): how they are checked, how they are stored and how they are
 * counted against the byte limits. One rule for every store:
 *
 * - A turn's extras are stored as one JSON text, the fields in the order `toolCalls`,
 *   `toolCallId`, `attachments`, `metadata`, each present only when set (see {@link encodeExtras}).
 * - A turn's size is the UTF-8 length of its content **plus** the UTF-8 length of that JSON text;
 *   `maxTurnBytes` and `maxTotalBytes` count that sum, so a data: URL cannot slip past the budget.
 *   A plain turn has no JSON text and costs its content alone, as before.
 * - What a store hands out is parsed from that text and frozen, so nested lists and objects can
 *   be shared between reads and never changed by a caller.
 */
import { TurnstoreError } from './errors.js';
import { describe } from './options.js';
import type { Attachment, JsonValue, Role, ToolCall, Turn, TurnExtras } from './types.js';
import { utf8ByteLength } from './utf8.js';

/** Longest tool call id, tool name and `toolCallId`, in UTF-16 code units. */
export const MAX_TOOL_NAME_LENGTH = 256;
/** Deepest nesting of `metadata` (the object itself is level 1). */
export const MAX_METADATA_DEPTH = 32;
/** The extra fields, in the order they are stored and handed out. */
export const EXTRA_FIELDS = Object.freeze(['toolCalls', 'toolCallId', 'attachments', 'metadata'] as const);

/** Extras checked and ready to store: the frozen value handed out, its JSON text, and that text's UTF-8 bytes. */
export interface StoredExtras {
  readonly value: TurnExtras;
  readonly json: string;
  readonly bytes: number;
}

// RFC 6838 restricted names, for the type and the subtype alike.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const URL_SCHEME = /^(https?|data):/i;

/** Whether `value` is a media type an attachment may have: `type/subtype`, RFC 6838 names, no parameters. */
export function isAttachmentMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

/** Whether `url` has a scheme an attachment may have: `http:`, `https:` or `data:`. */
export function hasAttachmentScheme(url: string): boolean {
  return URL_SCHEME.test(url);
}

function invalid(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_TURN', message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A string field of 1 to 256 well-formed UTF-16 code units. */
function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOOL_NAME_LENGTH) {
    throw invalid(
      `${field} must be a string of 1 to ${MAX_TOOL_NAME_LENGTH} characters; got ${typeof value === 'string' ? `a string of length ${value.length}` : describe(value)}.`,
    );
  }
  if (!value.isWellFormed()) throw invalid(`${field} must be well-formed UTF-16 (it has a lone surrogate).`);
  return value;
}

/** Throws naming the first own key of `object` that is not in `known` (symbols included). */
function refuseUnknownKeys(object: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    if (key === 'summary') {
      // A turn get handed out fed back as it is: the summary is set by compact, never appended.
      throw invalid(
        `${where} carries the field "summary", which marks a conversation's summary: only compact sets one, and a turn with it cannot be appended.`,
      );
    }
    throw invalid(`${where} has an unknown field ${JSON.stringify(key)}; the fields are ${known.join(', ')}.`);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) throw invalid(`${where} has a symbol key; only ${known.join(', ')} are allowed.`);
}

function checkToolCalls(value: unknown, where: string): ToolCall[] {
  if (!Array.isArray(value)) throw invalid(`${where}.toolCalls must be an array of {id, name, arguments}; got ${describe(value)}.`);
  const calls: ToolCall[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const call: unknown = value[i];
    const at = `${where}.toolCalls[${i}]`;
    if (!isPlainObject(call)) throw invalid(`${at} must be an object {id, name, arguments}; got ${describe(call)}.`);
    refuseUnknownKeys(call, ['id', 'name', 'arguments'], at);
    const id = checkName(call.id, `${at}.id`);
    const name = checkName(call.name, `${at}.name`);
    const args = call.arguments;
    if (typeof args !== 'string') throw invalid(`${at}.arguments must be the JSON text of the arguments, a string; got ${describe(args)}.`);
    if (!args.isWellFormed()) throw invalid(`${at}.arguments must be well-formed UTF-16 (it has a lone surrogate).`);
    if (ids.has(id)) throw invalid(`${at}.id ${JSON.stringify(id)} repeats an earlier call's id; each call of a turn needs its own.`);
    ids.add(id);
    calls.push({ id, name, arguments: args });
  }
  return calls;
}

function checkAttachments(value: unknown, where: string): Attachment[] {
  if (!Array.isArray(value)) throw invalid(`${where}.attachments must be an array of {mediaType, url}; got ${describe(value)}.`);
  const attachments: Attachment[] = [];
  for (let i = 0; i < value.length; i++) {
    const attachment: unknown = value[i];
    const at = `${where}.attachments[${i}]`;
    if (!isPlainObject(attachment)) throw invalid(`${at} must be an object {mediaType, url}; got ${describe(attachment)}.`);
    refuseUnknownKeys(attachment, ['mediaType', 'url'], at);
    const { mediaType, url } = attachment;
    if (typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType)) {
      throw invalid(`${at}.mediaType must be a media type "type/subtype" such as "image/png"; got ${describe(mediaType)}.`);
    }
    if (typeof url !== 'string' || !URL_SCHEME.test(url)) {
      throw invalid(`${at}.url must be an http:, https: or data: URL; got ${describe(url)}.`);
    }
    if (!url.isWellFormed()) throw invalid(`${at}.url must be well-formed UTF-16 (it has a lone surrogate).`);
    if (url[0] === 'd' || url[0] === 'D') {
      // A data: URL is data:[<media type>][;base64],<data>; parsing a large one with URL would copy it.
      if (!url.includes(',')) throw invalid(`${at}.url is a data: URL without the comma before its data.`);
    } else if (!URL.canParse(url)) {
      throw invalid(`${at}.url is not a valid URL.`);
    }
    attachments.push({ mediaType, url });
  }
  return attachments;
}

/**
 * The UTF-8 bytes metadata may still take before the turn is over `maxTurnBytes`. An object may
 * appear in metadata many times over (`{a: x, b: x}`, nested): 31 such levels are 31 objects in
 * memory but 2^31 values as JSON. Spending at least one byte per value read, and stopping when
 * none are left, keeps checking such a value proportional to `maxTurnBytes`, not to its JSON.
 */
class MetadataRoom {
  #left: number;
  readonly #where: string;
  readonly #contentBytes: number;
  readonly #maxTurnBytes: number;

  constructor(where: string, contentBytes: number, maxTurnBytes: number) {
    this.#left = maxTurnBytes - contentBytes;
    this.#where = where;
    this.#contentBytes = contentBytes;
    this.#maxTurnBytes = maxTurnBytes;
  }

  /** Takes `bytes`, at most what the value adds to the JSON text (UTF-8 bytes ≥ UTF-16 units). */
  spend(bytes: number): void {
    this.#left -= bytes;
    if (this.#left < 0) {
      throw new TurnstoreError(
        'TURNSTORE_TURN_TOO_LARGE',
        `${this.#where === 'turn' ? 'The turn' : this.#where} is more than maxTurnBytes (${this.#maxTurnBytes}) UTF-8 bytes: ${this.#contentBytes} of content, and its metadata alone is over the ${this.#maxTurnBytes - this.#contentBytes} left.`,
      );
    }
  }
}

/**
 * Checks a metadata value and returns a plain copy: JSON values only, plain objects and arrays,
 * at most {@link MAX_METADATA_DEPTH} levels, no cycles. Each value spends from `room` no more
 * than it adds to the JSON text, so a value that fits is never refused.
 */
function copyJson(value: unknown, path: string, depth: number, ancestors: Set<object>, room: MetadataRoom): JsonValue {
  switch (typeof value) {
    case 'string':
      room.spend(value.length + 2); // its quotes
      if (!value.isWellFormed()) throw invalid(`${path} must be well-formed UTF-16 (it has a lone surrogate).`);
      return value;
    case 'number':
      room.spend(1);
      if (!Number.isFinite(value)) throw invalid(`${path} must be a finite number (JSON has no ${value}).`);
      return value;
    case 'boolean':
      room.spend(4);
      return value;
    case 'object':
      break;
    default:
      throw invalid(`${path} must be a JSON value; got ${describe(value)}.`);
  }
  room.spend(value === null ? 4 : 2); // null, or the brackets or braces
  if (value === null) return null;
  if (depth > MAX_METADATA_DEPTH) throw invalid(`${path} is nested more than ${MAX_METADATA_DEPTH} levels deep.`);
  if (ancestors.has(value)) throw invalid(`${path} refers back to an object that contains it (a cycle).`);
  ancestors.add(value);
  let copy: JsonValue;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw invalid(`${path} must be a plain array.`);
    const items: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) items.push(copyJson(value[i], `${path}[${i}]`, depth + 1, ancestors, room));
    copy = items;
  } else {
    if (!isPlainObject(value))
      throw invalid(`${path} must be a plain JSON object; got an instance of ${value.constructor?.name ?? 'a class'}.`);
    if (Object.getOwnPropertySymbols(value).length > 0) throw invalid(`${path} has a symbol key; JSON keys are strings.`);
    const fields: Record<string, JsonValue> = {};
    for (const key of Object.keys(value)) {
      room.spend(key.length + 3); // its quotes and colon
      if (!key.isWellFormed()) throw invalid(`${path} has a key that is not well-formed UTF-16 (a lone surrogate).`);
      // defineProperty, so a key "__proto__" is data, not the prototype.
      Object.defineProperty(fields, key, {
        value: copyJson(value[key], `${path}.${key}`, depth + 1, ancestors, room),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    copy = fields;
  }
  ancestors.delete(value);
  return copy;
}

/** Freezes a value parsed from JSON and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks the extra fields of a turn (the fourth argument of `append`, or the fields of a
 * `TurnInput`) and returns them ready to store, or `undefined` when the turn has none.
 * Throws `TURNSTORE_INVALID_TURN` naming the field for anything else; changes nothing.
 *
 * @param role - the turn's role, already checked: `toolCalls` needs `assistant`, `toolCallId` needs `tool`.
 * @param extra - an object with some of `toolCalls`, `toolCallId`, `attachments`, `metadata`.
 * @param where - how messages name the turn (`turn`, `turns[2]`).
 * @param fields - the keys `extra` may have: the extra fields, or for a `TurnInput` those and `role`, `content`.
 */
export function checkExtras(
  role: Role,
  extra: unknown,
  where = 'turn',
  fields: readonly string[] = EXTRA_FIELDS,
): StoredExtras | undefined {
  const text = extrasText(role, extra, where, fields, 0, Number.POSITIVE_INFINITY);
  return text === undefined ? undefined : { value: decodeExtras(text.json), json: text.json, bytes: text.bytes };
}

/**
 * {@link checkExtras} up to the JSON text: the checks, then the text and its UTF-8 bytes. Metadata
 * is read only while it can fit in `maxTurnBytes` beside `contentBytes`.
 */
function extrasText(
  role: Role,
  extra: unknown,
  where: string,
  fields: readonly string[],
  contentBytes: number,
  maxTurnBytes: number,
): { json: string; bytes: number } | undefined {
  if (extra === undefined) return undefined;
  if (!isPlainObject(extra)) {
    throw invalid(
      fields === EXTRA_FIELDS
        ? `The extra fields of ${where} must be a plain object {toolCalls, toolCallId, attachments, metadata}; got ${describe(extra)}.`
        : `${where} must be a plain object {role, content, …}; got ${describe(extra)}.`,
    );
  }
  refuseUnknownKeys(extra, fields, where);
  const { toolCalls, toolCallId, attachments, metadata } = extra as TurnExtras;
  const stored: { toolCalls?: ToolCall[]; toolCallId?: string; attachments?: Attachment[]; metadata?: Record<string, JsonValue> } = {};
  let any = false;
  if (toolCalls !== undefined) {
    const calls = checkToolCalls(toolCalls, where);
    if (calls.length > 0) {
      if (role !== 'assistant') throw invalid(`${where}.toolCalls is for assistant turns; this turn's role is ${role}.`);
      stored.toolCalls = calls;
      any = true;
    }
  }
  if (toolCallId !== undefined) {
    const id = checkName(toolCallId, `${where}.toolCallId`);
    if (role !== 'tool') throw invalid(`${where}.toolCallId is for tool turns; this turn's role is ${role}.`);
    stored.toolCallId = id;
    any = true;
  }
  if (attachments !== undefined) {
    const list = checkAttachments(attachments, where);
    if (list.length > 0) {
      stored.attachments = list;
      any = true;
    }
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw invalid(`${where}.metadata must be a plain JSON object; got ${Array.isArray(metadata) ? 'an array' : describe(metadata)}.`);
    }
    const room = new MetadataRoom(where, contentBytes, maxTurnBytes);
    const copy = copyJson(metadata, `${where}.metadata`, 1, new Set(), room) as Record<string, JsonValue>;
    if (Object.keys(copy).length > 0) {
      stored.metadata = copy;
      any = true;
    }
  }
  if (!any) return undefined;
  const json = JSON.stringify(stored);
  return { json, bytes: utf8ByteLength(json) };
}

/**
 * {@link checkExtras}, then checks that the turn still fits: content plus extras within
 * `maxTurnBytes`, else `TURNSTORE_TURN_TOO_LARGE`. Metadata is read only as far as it can fit
 * (so metadata both too large and bad further on is refused as too large), and a text too large
 * is refused before it is parsed back.
 */
export function checkExtrasFit(
  role: Role,
  extra: unknown,
  contentBytes: number,
  maxTurnBytes: number,
  where = 'turn',
  fields: readonly string[] = EXTRA_FIELDS,
): StoredExtras | undefined {
  const text = extrasText(role, extra, where, fields, contentBytes, maxTurnBytes);
  if (text === undefined) return undefined;
  if (contentBytes + text.bytes > maxTurnBytes) throw turnTooLarge(where, contentBytes, text.bytes, maxTurnBytes);
  return { value: decodeExtras(text.json), json: text.json, bytes: text.bytes };
}

/** Extras read back from their stored JSON text: parsed and frozen all the way down. */
export function decodeExtras(json: string): TurnExtras {
  return deepFreeze(JSON.parse(json) as TurnExtras);
}

/**
 * A turn handed out: `{role, content, ts}` followed by the extras' fields, in their stored order.
 * The extras are frozen and may be shared between turns handed out; the turn object is new.
 */
export function turnWithExtras(role: Role, content: string, ts: number, extras: TurnExtras): Turn {
  return { role, content, ts, ...extras };
}

/**
 * The error for a turn whose content plus extras are over `maxTurnBytes`: a turn's size is the
 * UTF-8 bytes of its content plus those of its extras' JSON text.
 */
export function turnTooLarge(where: string, contentBytes: number, extrasBytes: number, maxTurnBytes: number): TurnstoreError {
  return new TurnstoreError(
    'TURNSTORE_TURN_TOO_LARGE',
    `${where === 'turn' ? 'The turn' : where} is ${contentBytes + extrasBytes} UTF-8 bytes (${contentBytes} of content, ${extrasBytes} of tool calls, attachments and metadata as stored); maxTurnBytes is ${maxTurnBytes}.`,
  );
}
