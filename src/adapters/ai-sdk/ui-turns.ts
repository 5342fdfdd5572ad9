/**
 * AI SDK `UIMessage`s ↔ turns, message by message. Plain data: nothing from `ai` is loaded, and
 * the shapes are read generically, so ai 5, 6 and 7 (whose part types differ) all round-trip.
 *
 * One UI message is one turn, or for an assistant message with finished tool calls several: the
 * parts are cut at each `step-start` (as `convertToModelMessages` cuts them), each step is one turn
 * of the message's role, and after it one `tool` turn per finished tool call of the step. What a
 * turn's fields can say is said there once — text parts as `content`, file parts as `attachments`,
 * finished tool parts as `toolCalls` and their `tool` turns — so `contextWindow`, the service and
 * `toModelMessages` read the conversation; the rest of each part, and the parts a turn has no field
 * for, are kept verbatim in `metadata.aiSdk.ui`, so the message reads back exactly (as JSON).
 */
import type { Attachment, JsonValue, ToolCall, Turn, TurnInput } from '../../core/types.js';
import { hasAttachmentScheme, isAttachmentMediaType, MAX_TOOL_NAME_LENGTH } from '../../core/turn-extras.js';
import { attachmentFromData } from './attachment-data.js';
import { DENIED_OUTPUT, isObject } from './message-options.js';
import { METADATA_KEY, readSdkMetadata } from './sdk-metadata.js';

type JsonObject = { [key: string]: JsonValue };

/** A UI message as JSON holds it (ids, roles and parts checked by the caller). */
export interface UIMessageJson {
  readonly id: string;
  readonly role: 'system' | 'user' | 'assistant';
  readonly parts: readonly JsonObject[];
  readonly [field: string]: JsonValue;
}

/**
 * One part of a UI message as a turn keeps it: `part` is the part without what the turn's own fields
 * hold; `take` says which field that is — `text` (the next `length` units of the content), `file`
 * (the next attachment: the part's `url`, and its `mediaType` unless `part` keeps one), `call` (the
 * next tool call: `toolCallId`, `input`, a dynamic tool's `toolName`, and the output or error text
 * from the `tool` turn answering it). Without `take` the part is kept whole.
 */
export interface UIPartEntry {
  readonly take?: 'text' | 'file' | 'call';
  readonly length?: number;
  readonly part: JsonObject;
}

/**
 * `metadata.aiSdk.ui` of a turn written by `saveUIMessages`: the message id on every turn of the
 * message; on its first turn `n`, the number of turns the message has, and `fields`, the message's
 * own fields beside id, role and parts (`metadata`…); on later turns `i`, the turn's index in the
 * message. Turns of the message's role have `parts` unless their parts are one plain text part.
 */
export interface UITag {
  readonly id: string;
  readonly n?: number;
  readonly i?: number;
  readonly fields?: JsonObject;
  readonly parts?: readonly UIPartEntry[];
}

/** Tool outputs as the `tool` turn's `metadata.aiSdk.output` says them (`toModelMessages` reads it too). */
const JSON_OUTPUT = 'json';
const ERROR_OUTPUT = 'error-text';
/** The states of a tool part whose call is finished: it has a result (or was denied). */
const FINISHED = ['output-available', 'output-error', 'output-denied'];

function isToolPart(type: string): boolean {
  return type === 'dynamic-tool' || type.startsWith('tool-');
}

function isName(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOOL_NAME_LENGTH && value.isWellFormed();
}

/** The attachment a file part's url and media type make, or undefined when a turn cannot hold it. */
function attachmentOf(url: JsonValue | undefined, mediaType: string): Attachment | undefined {
  if (typeof url !== 'string' || !hasAttachmentScheme(url) || !url.isWellFormed()) return undefined;
  if (/^data:/i.test(url) ? !url.includes(',') : !URL.canParse(url)) return undefined;
  if (isAttachmentMediaType(mediaType)) return { mediaType, url };
  // A top-level type (ai 7's 'image'): the data: URL's type, else application/octet-stream.
  const made = attachmentFromData(url, undefined, false);
  // In the order a store hands the fields out, so a stored attachment compares equal to a new one.
  return 'refused' in made ? undefined : { mediaType: made.mediaType, url: made.url };
}

function without(part: JsonObject, ...fields: string[]): JsonObject {
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(part)) if (!fields.includes(key)) rest[key] = value;
  return rest;
}

/** One step of a message being written: the turn of the message's role and the tool turns after it. */
class Step {
  content = '';
  readonly entries: UIPartEntry[] = [];
  readonly attachments: Attachment[] = [];
  readonly calls: ToolCall[] = [];
  readonly results: Array<{ turn: TurnInput; ui: JsonObject; sdk: JsonObject }> = [];
}

/**
 * A UI message → its turns, each tagged with the message id (`metadata.aiSdk.ui`). The message is
 * JSON already (the caller normalised it), so every value here is JSON.
 */
export function uiMessageTurns(message: UIMessageJson): TurnInput[] {
  const steps: Step[] = [new Step()];
  // The call ids taken so far: a tool turn answers its call by id, so each id is taken once per message.
  const callIds = new Set<string>();
  for (const part of message.parts) {
    const type = part.type as string;
    let step = steps.at(-1)!;
    if (type === 'step-start' && message.role === 'assistant' && step.entries.length > 0) steps.push((step = new Step()));
    if (type === 'text' && typeof part.text === 'string') {
      step.content += part.text;
      step.entries.push({ take: 'text', length: part.text.length, part: without(part, 'text') });
      continue;
    }
    if (type === 'file' && typeof part.mediaType === 'string') {
      const attachment = attachmentOf(part.url, part.mediaType);
      if (attachment !== undefined) {
        step.attachments.push(attachment);
        const taken = attachment.mediaType === part.mediaType ? ['url', 'mediaType'] : ['url'];
        step.entries.push({ take: 'file', part: without(part, ...taken) });
        continue;
      }
    }
    if (message.role === 'assistant' && isToolPart(type) && takesCall(part, callIds)) {
      const name = type === 'dynamic-tool' ? (part.toolName as string) : type.slice('tool-'.length);
      const id = part.toolCallId as string;
      callIds.add(id);
      step.calls.push({ id, name, arguments: JSON.stringify(part.input) });
      step.results.push(resultTurn(part, id));
      const taken = ['toolCallId', 'input', 'output', 'errorText'];
      step.entries.push({ take: 'call', part: without(part, ...(type === 'dynamic-tool' ? [...taken, 'toolName'] : taken)) });
      continue;
    }
    step.entries.push({ part });
  }

  // Each turn without its tag yet: the tag's own fields (a step's parts), and the rest of `metadata.aiSdk`.
  const untagged: Array<{ turn: TurnInput; ui: JsonObject; sdk: JsonObject }> = [];
  for (const step of steps) {
    const plain =
      step.entries.length === 1 &&
      step.entries[0]!.take === 'text' &&
      step.content !== '' &&
      Object.keys(step.entries[0]!.part).length === 1;
    untagged.push({
      turn: {
        role: message.role,
        content: step.content,
        ...(step.calls.length > 0 ? { toolCalls: step.calls } : {}),
        ...(step.attachments.length > 0 ? { attachments: step.attachments } : {}),
      },
      ui: plain ? {} : { parts: step.entries as unknown as JsonValue },
      sdk: {},
    });
    untagged.push(...step.results);
  }
  const fields = without(message as unknown as JsonObject, 'id', 'role', 'parts');
  const turns = untagged.map(({ turn, ui, sdk }, index): TurnInput => {
    const head: JsonObject =
      index === 0
        ? { id: message.id, n: untagged.length, ...(Object.keys(fields).length > 0 ? { fields } : {}) }
        : { id: message.id, i: index };
    return { ...turn, metadata: { [METADATA_KEY]: { ui: { ...head, ...ui }, ...sdk } } };
  });
  return turns;
}

/**
 * Whether a tool part becomes a tool call with a `tool` turn: it is finished (not preliminary), its
 * call id and tool name fit a turn, its input is there, and no earlier call of the message has its id.
 */
function takesCall(part: JsonObject, callIds: ReadonlySet<string>): boolean {
  if (!FINISHED.includes(part.state as string) || part.preliminary === true) return false;
  if (!isName(part.toolCallId) || !('input' in part)) return false;
  if (part.type === 'dynamic-tool' ? !isName(part.toolName) : !isName((part.type as string).slice('tool-'.length))) return false;
  if (part.state === 'output-available' && !('output' in part)) return false;
  if (part.state === 'output-error' && typeof part.errorText !== 'string') return false;
  return !callIds.has(part.toolCallId);
}

/** The `tool` turn of a finished tool part: the output (text as it is, else its JSON), the error text, or a denial's reason. */
function resultTurn(part: JsonObject, callId: string): { turn: TurnInput; ui: JsonObject; sdk: JsonObject } {
  let content: string;
  let output: string | undefined;
  if (part.state === 'output-available') {
    if (typeof part.output === 'string') content = part.output;
    else [content, output] = [JSON.stringify(part.output), JSON_OUTPUT];
  } else if (part.state === 'output-error') {
    [content, output] = [part.errorText as string, ERROR_OUTPUT];
  } else {
    const approval = part.approval;
    const reason = isObject(approval) && typeof approval.reason === 'string' ? approval.reason : '';
    [content, output] = [reason, DENIED_OUTPUT];
  }
  return { turn: { role: 'tool', content, toolCallId: callId }, ui: {}, sdk: output === undefined ? {} : { output: { type: output } } };
}

/** The `metadata.aiSdk.ui` tag of a turn, or undefined when the turn has none (or a malformed one). */
export function uiTagOf(turn: Turn): UITag | undefined {
  const sdk = turn.metadata?.[METADATA_KEY];
  const tag = isObject(sdk) ? sdk.ui : undefined;
  if (!isObject(tag) || typeof tag.id !== 'string') return undefined;
  if (tag.n !== undefined && !(Number.isInteger(tag.n) && (tag.n as number) >= 1)) return undefined;
  if (tag.i !== undefined && !(Number.isInteger(tag.i) && (tag.i as number) >= 1)) return undefined;
  if ((tag.n === undefined) === (tag.i === undefined)) return undefined;
  if (tag.parts !== undefined && !Array.isArray(tag.parts)) return undefined;
  if (tag.fields !== undefined && !isObject(tag.fields)) return undefined;
  return tag as unknown as UITag;
}

/** The stored turns of one message (complete when its first turn is there), or one turn without a tag. */
export interface StoredMessage {
  readonly id: string | undefined;
  readonly turns: Turn[];
  readonly complete: boolean;
}

/** Stored turns grouped by message: consecutive turns with one message id, each `i` following the last. */
export function storedMessages(turns: readonly Turn[]): StoredMessage[] {
  const groups: { id: string | undefined; turns: Turn[]; n: number | undefined }[] = [];
  for (const turn of turns) {
    const tag = uiTagOf(turn);
    const last = groups.at(-1);
    if (tag !== undefined && last !== undefined && last.id === tag.id && tag.i !== undefined && tag.i === indexOf(last) + 1) {
      last.turns.push(turn);
    } else {
      groups.push({ id: tag?.id, turns: [turn], n: tag?.n });
    }
  }
  return groups.map(({ id, turns: held, n }) => ({ id, turns: held, complete: id !== undefined && n === held.length }));
}

/** The index in its message of a group's newest turn (a group whose head the caps removed starts at its `i`). */
function indexOf(group: { turns: Turn[]; n: number | undefined }): number {
  const first = uiTagOf(group.turns[0]!);
  return (first?.i ?? 0) + group.turns.length - 1;
}

/** Whether stored turns say what turns about to be written say (the newest of them, for a group the caps cut). */
export function sameTurns(stored: readonly Turn[], written: readonly TurnInput[]): boolean {
  if (stored.length > written.length) return false;
  const offset = written.length - stored.length;
  return stored.every((turn, index) => turnText(turn) === turnText(written[offset + index]!));
}

function turnText(turn: TurnInput): string {
  return JSON.stringify([
    turn.role,
    turn.content,
    turn.toolCalls ?? null,
    turn.toolCallId ?? null,
    turn.attachments ?? null,
    turn.metadata ?? null,
  ]);
}

/**
 * The UI message of a complete stored group, or undefined when its tag does not fit its turns (text
 * lengths, attachments, calls or results that are not there: the turns were written by other code).
 */
export function uiMessageOf(group: StoredMessage): JsonObject | undefined {
  const first = group.turns[0]!;
  const head = uiTagOf(first)!;
  if (first.role === 'tool') return undefined;
  const results = new Map<string, Turn>();
  for (const turn of group.turns) if (turn.role === 'tool' && turn.toolCallId !== undefined) results.set(turn.toolCallId, turn);
  const parts: JsonValue[] = [];
  for (const turn of group.turns) {
    if (turn.role === 'tool') continue;
    if (turn.role !== first.role) return undefined;
    const read = stepParts(turn, uiTagOf(turn)!, results);
    if (read === undefined) return undefined;
    parts.push(...read);
  }
  return { id: head.id, role: first.role, ...(head.fields ?? {}), parts };
}

/** The parts of one step turn, or undefined when its entries do not fit it. */
function stepParts(turn: Turn, tag: UITag, results: ReadonlyMap<string, Turn>): JsonValue[] | undefined {
  const entries = tag.parts ?? (turn.content === '' ? [] : [{ take: 'text', length: turn.content.length, part: { type: 'text' } }]);
  const attachments = turn.attachments ?? [];
  const calls = turn.toolCalls ?? [];
  let textAt = 0;
  let fileAt = 0;
  let callAt = 0;
  const parts: JsonValue[] = [];
  for (const entry of entries as readonly unknown[]) {
    if (!isObject(entry) || !isObject(entry.part)) return undefined;
    const part = entry.part as JsonObject;
    if (entry.take === undefined) {
      parts.push(part);
    } else if (entry.take === 'text') {
      const length = entry.length as number;
      if (!Number.isInteger(length) || length < 0 || textAt + length > turn.content.length) return undefined;
      parts.push({ ...part, text: turn.content.slice(textAt, (textAt += length)) });
    } else if (entry.take === 'file') {
      const attachment = attachments[fileAt++];
      if (attachment === undefined) return undefined;
      parts.push({ ...part, url: attachment.url, ...('mediaType' in part ? {} : { mediaType: attachment.mediaType }) });
    } else if (entry.take === 'call') {
      const call = calls[callAt++];
      const result = call === undefined ? undefined : results.get(call.id);
      if (call === undefined || result === undefined) return undefined;
      const read = callPart(part, call, result);
      if (read === undefined) return undefined;
      parts.push(read);
    } else {
      return undefined;
    }
  }
  if (textAt !== turn.content.length || fileAt !== attachments.length || callAt !== calls.length) return undefined;
  return parts;
}

/** A finished tool part from what its entry kept, its call and the `tool` turn answering it. */
function callPart(part: JsonObject, call: ToolCall, result: Turn): JsonObject | undefined {
  let input: JsonValue;
  try {
    input = JSON.parse(call.arguments) as JsonValue;
  } catch {
    return undefined;
  }
  const named: JsonObject = part.type === 'dynamic-tool' ? { toolName: call.name } : {};
  const type = readSdkMetadata(result.metadata).output?.type;
  const outcome: JsonObject = {};
  if (part.state === 'output-available') {
    if (type === JSON_OUTPUT) {
      try {
        outcome.output = JSON.parse(result.content) as JsonValue;
      } catch {
        return undefined;
      }
    } else {
      outcome.output = result.content;
    }
  } else if (part.state === 'output-error') {
    outcome.errorText = result.content;
  }
  return { ...part, ...named, toolCallId: call.id, input, ...outcome };
}
