/**
 * OpenAI Agents SDK items (`AgentInputItem`) ↔ turnstore turns, one item to one turn, exactly.
 *
 * What a turn can hold natively is moved into it, so `contextWindow`, the HTTP service and the
 * memory proxy read the conversation as they read any other:
 * - a message (`user`, `assistant`, `system`) → a turn of that role: its text (a string content,
 *   or the text parts joined with nothing between) as `content`, its images and files with an
 *   http(s): or data: URL as `attachments`;
 * - a `function_call` → an `assistant` turn with one entry in `toolCalls` (`callId`, `name`,
 *   `arguments`) and empty content;
 * - a `function_call_result` → a `tool` turn answering it (`toolCallId`), its output's text as
 *   `content`.
 * Whatever else the item holds (ids, `status`, `providerData`, non-text parts, a structured
 * output…) is kept under the turn's `metadata.agentItem`, with the moved values left out. Every
 * other kind (reasoning, hosted, computer, shell and apply-patch calls and their results,
 * compaction items, kinds added later) is kept whole there, on an `assistant` turn with empty
 * content. Reading rebuilds the item from both halves; writing checks that it does, so an item
 * whose parts do not fit the moved form (any value the SDK may add later) is kept whole instead:
 * every item reads back deep-equal to what was written, apart from fields set to `undefined`
 * (JSON has no `undefined`; they read back absent) and `-0` (read back as 0). Bytes (`Uint8Array`, which a tool may return
 * as image or file data) are kept as base64 and read back as `Uint8Array`.
 */
import { isDeepStrictEqual } from 'node:util';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import { hasAttachmentScheme, isAttachmentMediaType, MAX_TOOL_NAME_LENGTH } from '../../core/turn-extras.js';
import { mediaTypeOfUrlPath } from '../../core/media-types.js';
import type { Attachment, JsonValue, Role, Turn, TurnExtras, TurnInput } from '../../core/types.js';

/**
 * One item of the Agents SDK's `AgentInputItem` union, as this module reads it: an object with a
 * `type` (absent on some messages) and fields that depend on it. The SDK's own types are not
 * imported (turnstore does not depend on the SDK); {@link AgentInputItem} is what the session's
 * methods take and give, typed loosely so that the SDK accepts a `TurnstoreSession` as its `Session`.
 */
export interface AgentItem {
  readonly type?: string;
  readonly [field: string]: unknown;
}

/**
 * An item as `TurnstoreSession` takes and returns it: the SDK's `AgentInputItem`. Declared as
 * `any` here so that the session is assignable to the SDK's `Session` type without turnstore
 * importing the SDK's types (they need Node.js 22 and the SDK installed to compile).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AgentInputItem = any;

/** The `metadata` key holding what a turn does not hold natively of its item. */
export const ITEM_METADATA_KEY = 'agentItem';
/** The key of the object a `Uint8Array` is kept as, with its bytes in base64. */
const BYTES_KEY = '$bytes';

/** Call items, and for each result item the type of the call it answers (matched by `callId`, or `call_id`). */
const CALL_OF_RESULT: Readonly<Record<string, string>> = {
  function_call_result: 'function_call',
  computer_call_result: 'computer_call',
  shell_call_output: 'shell_call',
  apply_patch_call_output: 'apply_patch_call',
  program_output: 'program',
  tool_search_output: 'tool_search_call',
};
const CALL_TYPES: ReadonlySet<string> = new Set(Object.values(CALL_OF_RESULT));

/** Part types whose `text` is moved into the turn's content. */
const TEXT_PARTS: ReadonlySet<string> = new Set(['input_text', 'output_text', 'text']);
const MESSAGE_ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system']);

type Json = JsonValue;
type JsonObject = { [key: string]: Json };

function invalid(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_TURN', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A JSON copy of `value`: object fields set to `undefined` left out, a `Uint8Array` as
 * `{"$bytes": base64}`. Anything JSON cannot hold is refused, naming where it is.
 */
function jsonCopy(value: unknown, path: string): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`${path} is ${value}, which JSON cannot hold.`);
      return value === 0 ? 0 : value; // -0 is 0 in JSON
    case 'object':
      break;
    default:
      throw invalid(`${path} is ${describe(value)}, which cannot be stored.`);
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return { [BYTES_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map((entry, i) => jsonCopy(entry, `${path}[${i}]`));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    throw invalid(`${path} is ${describe(value)}, not a plain object; it cannot be stored.`);
  if (Object.hasOwn(value, BYTES_KEY)) throw invalid(`${path} has a field "${BYTES_KEY}", which turnstore uses for bytes.`);
  const copy: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    Object.defineProperty(copy, key, { value: jsonCopy(entry, `${path}.${key}`), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** `value` with every `{"$bytes": base64}` turned back into a `Uint8Array`; a new object where anything changed. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === BYTES_KEY && typeof value[BYTES_KEY] === 'string') {
    return new Uint8Array(Buffer.from(value[BYTES_KEY], 'base64'));
  }
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    Object.defineProperty(copy, key, { value: revive(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** The type of the call a result item answers, `undefined` for an item that is no call result. */
function callTypeOf(item: AgentItem): string | undefined {
  return typeof item.type === 'string' && Object.hasOwn(CALL_OF_RESULT, item.type) ? CALL_OF_RESULT[item.type] : undefined;
}

function callIdOf(item: AgentItem): string | undefined {
  const id = item.callId ?? item.call_id;
  return typeof id === 'string' ? id : undefined;
}

/** Whether the item is a message: `type` "message" or none, and a role a turn has. */
function isMessage(item: AgentItem): boolean {
  return (item.type === undefined || item.type === 'message') && typeof item.role === 'string' && MESSAGE_ROLES.has(item.role);
}

/** The media type of a data: URL (RFC 2397: `text/plain` when it names none). */
function mediaTypeOfDataUrl(url: string): string {
  const type = url.slice(5, url.indexOf(',')).split(';', 1)[0]!.trim().toLowerCase();
  return type === '' ? 'text/plain' : type;
}

/**
 * The attachment an image or file URL makes, or `undefined` when it makes none that a turn can hold
 * (another scheme, a provider-side file id, an image whose media type cannot be told).
 */
function attachmentOf(url: string, image: boolean): Attachment | undefined {
  if (!hasAttachmentScheme(url) || !url.isWellFormed()) return undefined;
  let mediaType: string | undefined;
  if (/^data:/i.test(url)) {
    if (!url.includes(',')) return undefined;
    mediaType = mediaTypeOfDataUrl(url);
  } else {
    if (!URL.canParse(url)) return undefined;
    mediaType = mediaTypeOfUrlPath(url) ?? (image ? undefined : 'application/octet-stream');
  }
  return mediaType !== undefined && isAttachmentMediaType(mediaType) ? { mediaType, url } : undefined;
}

/** What a turn is built from while an item is split: its text, its attachments. */
class Moved {
  text = '';
  readonly attachments: Attachment[] = [];

  /** A part with its text (replaced by the text's length) or its file URL (replaced by null) moved out. */
  part(part: Json, attach: boolean): Json {
    if (!isObject(part)) return part;
    const type = part.type;
    if (typeof type === 'string' && TEXT_PARTS.has(type) && typeof part.text === 'string') {
      this.text += part.text;
      return { ...part, text: part.text.length };
    }
    if (!attach) return part;
    if ((type === 'input_image' || type === 'image') && typeof part.image === 'string') {
      return this.#attach(part, 'image', part.image, true, null);
    }
    if (type === 'input_file') {
      if (typeof part.file === 'string') return this.#attach(part, 'file', part.file, false, null);
      if (isObject(part.file) && Object.keys(part.file).length === 1 && typeof part.file.url === 'string') {
        return this.#attach(part, 'file', part.file.url, false, { url: null });
      }
    }
    return part;
  }

  #attach(part: JsonObject, field: string, url: string, image: boolean, placeholder: Json): Json {
    const attachment = attachmentOf(url, image);
    if (attachment === undefined) return part;
    this.attachments.push(attachment);
    return { ...part, [field]: placeholder };
  }
}

/** Reads back what {@link Moved} moved out, in the same order. */
class Restore {
  #at = 0;
  #attachment = 0;
  readonly #text: string;
  readonly #attachments: readonly Attachment[];

  constructor(turn: Turn | TurnInput) {
    this.#text = turn.content;
    this.#attachments = turn.attachments ?? [];
  }

  part(part: unknown): unknown {
    if (!isObject(part)) return part;
    if (typeof part.text === 'number' && typeof part.type === 'string' && TEXT_PARTS.has(part.type)) {
      const text = this.#text.slice(this.#at, this.#at + part.text);
      this.#at += part.text;
      return { ...part, text };
    }
    if (part.image === null) return { ...part, image: this.#nextUrl() };
    if (part.file === null) return { ...part, file: this.#nextUrl() };
    if (isObject(part.file) && part.file.url === null) return { ...part, file: { url: this.#nextUrl() } };
    return part;
  }

  #nextUrl(): string | null {
    return this.#attachments[this.#attachment++]?.url ?? null;
  }
}

/** A turn of `role` with `content`, the extras given, and the residue of its item as metadata. */
function withResidue(role: Role, content: string, residue: JsonObject, extras: TurnExtras = {}): TurnInput {
  return { role, content, ...extras, metadata: { [ITEM_METADATA_KEY]: residue } };
}

/** The turn of a message item, its text and files moved out of the residue. */
function messageTurn(item: JsonObject): TurnInput {
  const { role, content, ...residue } = item;
  const moved = new Moved();
  if (typeof content === 'string') moved.text = content;
  else if (Array.isArray(content)) residue.content = content.map((part) => moved.part(part, true));
  else if (content !== undefined) residue.content = content;
  return withResidue(role as Role, moved.text, residue, moved.attachments.length > 0 ? { attachments: moved.attachments } : {});
}

/** The turn of a `function_call`: an assistant turn making that one call. */
function functionCallTurn(item: JsonObject): TurnInput | undefined {
  const { callId, name, arguments: args, ...residue } = item;
  if (typeof callId !== 'string' || typeof name !== 'string' || typeof args !== 'string') return undefined;
  return withResidue('assistant', '', residue, { toolCalls: [{ id: callId, name, arguments: args }] });
}

/** The turn of a `function_call_result`: a tool turn answering its call, the output's text as content. */
function functionResultTurn(item: JsonObject): TurnInput | undefined {
  const { callId, output, ...residue } = item;
  if (typeof callId !== 'string') return undefined;
  const moved = new Moved();
  if (typeof output === 'string') moved.text = output;
  else if (Array.isArray(output)) residue.output = output.map((part) => moved.part(part, false));
  else if (output !== undefined) residue.output = moved.part(output, false);
  return withResidue('tool', moved.text, residue, { toolCallId: callId });
}

/** The turn keeping the whole item in metadata: an assistant turn with empty content. */
function wholeTurn(item: JsonObject): TurnInput {
  return { role: 'assistant', content: '', metadata: { [ITEM_METADATA_KEY]: item } };
}

/** The plain turn a message reads back from when nothing else needs keeping (`{type: 'message', role, content}`). */
function plainTurn(item: JsonObject): TurnInput | undefined {
  if (item.role !== 'user' && item.role !== 'system') return undefined;
  if (typeof item.content !== 'string') return undefined;
  return { role: item.role, content: item.content };
}

/** Whether a turn's tool call fields are ones a store accepts (ids and names 1 to 256 characters). */
function storable(turn: TurnInput): boolean {
  const ids = [turn.toolCallId, ...(turn.toolCalls ?? []).flatMap((call) => [call.id, call.name])];
  return ids.every((id) => id === undefined || (id.length > 0 && id.length <= MAX_TOOL_NAME_LENGTH && id.isWellFormed()));
}

/**
 * The turn an item is stored as (see the module's comment). Throws `TURNSTORE_INVALID_TURN`
 * naming `where` for an item that is not an object or holds what JSON cannot (a function, a class
 * instance, `NaN`).
 */
export function turnOfItem(item: unknown, where = 'item'): TurnInput {
  if (!isObject(item)) throw invalid(`${where} must be an Agents SDK item (an object); got ${describe(item)}.`);
  const copy = jsonCopy(item, where) as JsonObject;
  const expected = revive(copy);
  const candidates: Array<() => TurnInput | undefined> = [];
  if (isMessage(copy))
    candidates.push(
      () => plainTurn(copy),
      () => messageTurn(copy),
    );
  else if (copy.type === 'function_call') candidates.push(() => functionCallTurn(copy));
  else if (copy.type === 'function_call_result') candidates.push(() => functionResultTurn(copy));
  candidates.push(() => wholeTurn(copy));
  for (const candidate of candidates) {
    const turn = candidate();
    if (turn !== undefined && storable(turn) && isDeepStrictEqual(itemOfTurn(turn), expected)) return turn;
  }
  // wholeTurn always reads back as the item; this is for a bug, not for input.
  throw invalid(`${where} could not be stored so that it reads back unchanged.`);
}

/** Every item's turn, in order (see {@link turnOfItem}); `items[i]` names each in errors. */
export function turnsOfItems(items: readonly unknown[]): TurnInput[] {
  if (!Array.isArray(items)) throw invalid(`items must be an array of Agents SDK items; got ${describe(items)}.`);
  return items.map((item, i) => turnOfItem(item, `items[${i}]`));
}

/**
 * The item a turn written by {@link turnOfItem} holds; for a turn written otherwise (by the
 * service, the proxy, another adapter) see {@link itemsOfTurns}. `undefined` for a turn without
 * `metadata.agentItem`.
 */
function itemOfTurn(turn: Turn | TurnInput): AgentItem | undefined {
  const residue = turn.metadata?.[ITEM_METADATA_KEY];
  if (!isObject(residue)) return plainItem(turn);
  const item: Record<string, unknown> = { ...(revive(residue) as Record<string, unknown>) };
  const type = item.type;
  if ((type === undefined || type === 'message') && !('role' in item)) {
    const restore = new Restore(turn);
    item.role = turn.role;
    item.content = Array.isArray(item.content) ? item.content.map((part) => restore.part(part)) : turn.content;
  } else if (type === 'function_call' && !('callId' in item) && turn.toolCalls?.length === 1) {
    const call = turn.toolCalls[0]!;
    Object.assign(item, { callId: call.id, name: call.name, arguments: call.arguments });
  } else if (type === 'function_call_result' && !('callId' in item) && turn.toolCallId !== undefined) {
    const restore = new Restore(turn);
    item.callId = turn.toolCallId;
    item.output =
      item.output === undefined
        ? turn.content
        : Array.isArray(item.output)
          ? item.output.map((part) => restore.part(part))
          : restore.part(item.output);
  }
  return item;
}

/** A plain user or system turn's item: `{type: 'message', role, content}`. */
function plainItem(turn: Turn | TurnInput): AgentItem | undefined {
  if ((turn.role !== 'user' && turn.role !== 'system') || turn.attachments !== undefined) return undefined;
  return { type: 'message', role: turn.role, content: turn.content };
}

/**
 * The items of turns written otherwise than by this adapter (by the service, the proxy, the AI SDK
 * or LangChain adapters): a user or system turn is a message (its attachments as `input_image` /
 * `input_file` parts); an assistant turn is a message with its text (when it has text or no tool
 * calls) followed by a `function_call` per tool call; a tool turn is the `function_call_result` of
 * its call, named as that call was (`name` and, without `toolCallId`, `callId` empty when that call is
 * not among the turns: `getItems` leaves such a result out, as it does every result without its call).
 */
function foreignItems(turn: Turn, callNames: Map<string, string>): AgentItem[] {
  const attachments = turn.attachments ?? [];
  switch (turn.role) {
    case 'user':
    case 'system': {
      if (turn.role === 'system' || attachments.length === 0) return [{ type: 'message', role: turn.role, content: turn.content }];
      const parts: AgentItem[] = turn.content === '' ? [] : [{ type: 'input_text', text: turn.content }];
      for (const { mediaType, url } of attachments) {
        if (mediaType.startsWith('image/')) parts.push({ type: 'input_image', image: url });
        else parts.push({ type: 'input_file', file: /^data:/i.test(url) ? url : { url } });
      }
      return [{ type: 'message', role: 'user', content: parts }];
    }
    case 'assistant': {
      const calls = turn.toolCalls ?? [];
      const items: AgentItem[] = [];
      if (turn.content !== '' || calls.length === 0) {
        items.push({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.content }] });
      }
      for (const call of calls) {
        callNames.set(call.id, call.name);
        items.push({ type: 'function_call', callId: call.id, name: call.name, arguments: call.arguments, status: 'completed' });
      }
      return items;
    }
    case 'tool': {
      // A result whose call is not among the turns gets an empty name; getItems leaves it out.
      const name = turn.toolCallId === undefined ? '' : (callNames.get(turn.toolCallId) ?? '');
      return [{ type: 'function_call_result', callId: turn.toolCallId ?? '', name, status: 'completed', output: turn.content }];
    }
  }
}

/**
 * The items of a conversation's turns, oldest first: each turn written by {@link turnOfItem} as its
 * item, exactly; other turns as {@link foreignItems} describes.
 */
export function itemsOfTurns(turns: readonly Turn[]): AgentItem[] {
  const items: AgentItem[] = [];
  const callNames = new Map<string, string>();
  for (const turn of turns) {
    const item = isObject(turn.metadata?.[ITEM_METADATA_KEY]) ? itemOfTurn(turn) : undefined;
    if (item !== undefined) {
      if (item.type === 'function_call' && typeof item.callId === 'string' && typeof item.name === 'string')
        callNames.set(item.callId, item.name);
      items.push(item);
    } else {
      items.push(...foreignItems(turn, callNames));
    }
  }
  return items;
}

/**
 * The items without the call results whose call is not among the earlier items (a result of a
 * `function_call`, `computer_call`, `shell_call`, `apply_patch_call`, `program` or
 * `tool_search_call`, matched by `callId`). A window of the newest items, or a store's `maxTurns`,
 * can cut a call off from its result; the Responses API refuses such a result ("No tool call found
 * for function call output"), so it is left out.
 */
export function withoutOrphanResults(items: readonly AgentItem[]): AgentItem[] {
  const calls = new Set<string>();
  const kept: AgentItem[] = [];
  for (const item of items) {
    const id = callIdOf(item);
    const callType = callTypeOf(item);
    if (callType !== undefined) {
      // A result naming no call (a server-side tool search) is no orphan.
      if (id !== undefined && !calls.has(`${callType} ${id}`)) continue;
    } else if (typeof item.type === 'string' && CALL_TYPES.has(item.type) && id !== undefined) {
      calls.add(`${item.type} ${id}`);
    }
    kept.push(item);
  }
  return kept;
}
