/**
 * Vercel AI SDK `ModelMessage`s ↔ turnstore turns. Plain data both ways: nothing from `ai` is
 * loaded at run time (only its types are used), and the message shapes this reads and writes are
 * the same in ai 5 and 6 (tool calls with `input`, tool results with `output: {type, value}`).
 */
import type { ModelMessage } from 'ai';
import type { TurnLike } from '../../core/context-window.js';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { Attachment, JsonValue, ToolCall, TurnExtras, TurnInput } from '../../core/types.js';
import { roleIndex } from '../../core/validate.js';
import { MessageText, checkUnsupportedOption, type UnsupportedContent } from '../unsupported-content.js';
import { attachmentFromData } from './attachment-data.js';
import { METADATA_KEY, compact, jsonObject, layoutFits, readSdkMetadata, type PartLayout, type SdkMetadata } from './sdk-metadata.js';

/** Options of {@link toModelMessages} and {@link fromModelMessages}. */
export interface ModelMessageOptions {
  /**
   * What to do with what the other side cannot hold — on the way in: tool-approval parts,
   * provider-executed tool calls and their results, attachments that are not http(s): or data:
   * URLs, unknown parts; on the way out: `tool` turns without a `toolCallId`, or whose tool name
   * cannot be found, and attachments on system and tool turns.
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
}

/** A turn as {@link toModelMessages} reads it: a store's `Turn`, a `TurnInput`, or your own object. */
export type ModelTurn = TurnLike & TurnExtras;

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

function invalid(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_TURN', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a part is called in errors: `a "tool-call" part (content[1], tool weather)`. */
function partLabel(part: unknown, index: number, qualifier = ''): string {
  const type = isObject(part) ? part.type : undefined;
  const toolName = isObject(part) ? part.toolName : undefined;
  return `a ${qualifier}${typeof type === 'string' ? JSON.stringify(type) : 'untyped'} part (content[${index}]${typeof toolName === 'string' ? `, tool ${toolName}` : ''})`;
}

/** Tool outputs whose value is text, stored as the turn's content verbatim. */
const TEXT_OUTPUTS: readonly string[] = ['text', 'error-text'];
/** A denied tool call has no value; its optional reason is the content. */
const DENIED_OUTPUT = 'execution-denied';

// ───────────────────────────── messages → turns ─────────────────────────────

/**
 * AI SDK messages (what you sent, and `result.response.messages` of `generateText`/`streamText`)
 * → turns for `appendMany`, all checked before anything is stored.
 *
 * - `system`, `user` and `assistant` messages become turns of that role. The content is the
 *   message's text: a string as it is, or the text parts joined with nothing between (as the
 *   SDK's `result.text` joins them).
 * - Image and file parts become `attachments` (`{mediaType, url}`): http(s): and data: URLs as
 *   they are, base64 and bytes as a `data:<mediaType>;base64,…` URL.
 * - Tool-call parts become `toolCalls` (`{id, name, arguments}`, `arguments` the JSON text of
 *   `input`).
 * - A `tool` message becomes one `tool` turn per tool-result part: `toolCallId`, and as content the
 *   output's value — the text of a `text`/`error-text` output, the JSON text of a `json`,
 *   `error-json` or `content` output, the reason of an `execution-denied` one.
 * - Whatever the turn's own fields cannot say is kept in `metadata.aiSdk`, so the messages read
 *   back as they came: the tool name and output type of a result, `providerOptions` (of messages
 *   and parts), and the order of parts, file names and image-or-file when the plain reading would
 *   differ.
 * - Reasoning parts are always left out (the model's scratchpad, not the conversation).
 * - Unsupported — refused with `TURNSTORE_INVALID_TURN` naming the message and part (default), or
 *   dropped with `unsupported: 'drop'`: tool-approval requests and responses, provider-executed
 *   tool calls and the results that come with them in assistant messages, attachments that are
 *   not http(s): or data: URLs or whose media type is not `type/subtype`, parts of unknown types.
 *   A message with nothing left is left out.
 */
export function fromModelMessages(messages: readonly ModelMessage[], options?: ModelMessageOptions): TurnInput[] {
  const policy = checkOptions(options, 'fromModelMessages');
  if (!Array.isArray(messages)) throw invalid(`fromModelMessages: messages must be an array of AI SDK messages; got ${describe(messages)}.`);
  const turns: TurnInput[] = [];
  messages.forEach((message: unknown, index) => {
    const { role, content } = (isObject(message) ? message : {}) as { role?: unknown; content?: unknown };
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
      throw invalid(`fromModelMessages: messages[${index}] must be an AI SDK message with role system, user, assistant or tool; got ${describe(isObject(message) ? role : message)}.`);
    }
    const where = `messages[${index}] (${role})`;
    const providerOptions = jsonObject((message as { providerOptions?: unknown }).providerOptions);
    if (role === 'tool') {
      if (!Array.isArray(content)) throw invalid(`fromModelMessages: ${where} has content ${describe(content)}; expected an array of tool-result parts.`);
      turns.push(...toolTurns(content, where, policy, providerOptions));
    } else if (typeof content === 'string') {
      turns.push(withMetadata({ role, content }, compact<SdkMetadata>({ providerOptions })));
    } else if (Array.isArray(content) && role !== 'system') {
      const turn = partsTurn(role, content, where, policy, providerOptions);
      if (turn !== undefined) turns.push(turn);
    } else {
      throw invalid(`fromModelMessages: ${where} has content ${describe(content)}; expected ${role === 'system' ? 'a string' : 'an array of parts or a string'}.`);
    }
  });
  return turns;
}

/** The turn with `metadata: {aiSdk}` added when there is something to keep. */
function withMetadata(turn: TurnInput, sdk: SdkMetadata | undefined): TurnInput {
  return sdk === undefined ? turn : { ...turn, metadata: { [METADATA_KEY]: sdk as unknown as JsonValue } };
}

/** A user or assistant message with an array of parts → one turn, or undefined when nothing is left. */
function partsTurn(role: 'user' | 'assistant', parts: readonly unknown[], where: string, policy: UnsupportedContent, providerOptions: SdkMetadata['providerOptions']): TurnInput | undefined {
  const text = new MessageText(policy, where);
  const attachments: Attachment[] = [];
  const toolCalls: ToolCall[] = [];
  const layout: PartLayout[] = [];
  parts.forEach((part: unknown, partIndex) => {
    const type = isObject(part) ? part.type : undefined;
    const at = `fromModelMessages: ${where}: content[${partIndex}]`;
    const partOptions = isObject(part) ? jsonObject(part.providerOptions) : undefined;
    if (type === 'text') {
      const value = (part as { text?: unknown }).text;
      if (typeof value !== 'string') throw invalid(`${at} is a text part whose text is ${describe(value)}.`);
      text.addText(value);
      layout.push(compact({ type: 'text', length: value.length, providerOptions: partOptions })!);
    } else if (type === 'reasoning' && role === 'assistant') {
      text.skipReasoning();
    } else if (type === 'image' || type === 'file') {
      const { mediaType, filename } = part as { mediaType?: unknown; filename?: unknown };
      if (mediaType !== undefined && typeof mediaType !== 'string') throw invalid(`${at} is ${type} part whose mediaType is ${describe(mediaType)}.`);
      if (filename !== undefined && typeof filename !== 'string') throw invalid(`${at} is ${type} part whose filename is ${describe(filename)}.`);
      const attachment = attachmentFromData(type === 'image' ? (part as { image?: unknown }).image : (part as { data?: unknown }).data, mediaType, type === 'image');
      if ('refused' in attachment) {
        text.unsupported(`${partLabel(part, partIndex)} with ${attachment.refused}`);
        return;
      }
      attachments.push(attachment);
      layout.push(compact<PartLayout>({ type, filename, mediaType: mediaType === undefined ? false : undefined, providerOptions: partOptions })!);
    } else if (type === 'tool-call' && role === 'assistant') {
      const { toolCallId, toolName, input, providerExecuted } = part as { toolCallId?: unknown; toolName?: unknown; input?: unknown; providerExecuted?: unknown };
      if (providerExecuted === true) {
        // Run by the provider, its result sits in this same assistant message: a turn has no place for it.
        text.unsupported(partLabel(part, partIndex, 'provider-executed '));
        return;
      }
      if (typeof toolCallId !== 'string') throw invalid(`${at} is a tool-call part whose toolCallId is ${describe(toolCallId)}.`);
      if (typeof toolName !== 'string') throw invalid(`${at} is a tool-call part whose toolName is ${describe(toolName)}.`);
      toolCalls.push({ id: toolCallId, name: toolName, arguments: argumentsText(input, at) });
      layout.push(compact<PartLayout>({ type: 'tool-call', providerOptions: partOptions })!);
    } else {
      text.unsupported(partLabel(part, partIndex));
    }
  });
  const kept = text.result();
  if (kept === undefined && attachments.length === 0 && toolCalls.length === 0) return undefined;
  const content = kept ?? '';
  const plain = JSON.stringify(plainLayout(role, content, attachments, toolCalls.length));
  const sdk = compact<SdkMetadata>({ providerOptions, parts: JSON.stringify(layout) === plain ? undefined : layout });
  return withMetadata(compact<TurnInput>({ role, content, toolCalls: toolCalls.length > 0 ? toolCalls : undefined, attachments: attachments.length > 0 ? attachments : undefined })!, sdk);
}

/** A tool call's input as JSON text; input that JSON cannot hold is refused. */
function argumentsText(input: unknown, at: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch (error) {
    throw new TurnstoreError('TURNSTORE_INVALID_TURN', `${at} is a tool-call part whose input cannot be written as JSON (${(error as Error).message}).`, { cause: error });
  }
  if (json === undefined) throw invalid(`${at} is a tool-call part whose input is ${describe(input)}, which JSON cannot hold.`);
  return json;
}

/** The parts a turn reads back as without a stored layout: its text, then its attachments, then its tool calls. */
function plainLayout(role: string, content: string, attachments: readonly Attachment[], toolCalls: number): PartLayout[] {
  const layout: PartLayout[] = [];
  if (content !== '') layout.push({ type: 'text', length: content.length });
  for (const attachment of attachments) layout.push({ type: role === 'user' && attachment.mediaType.startsWith('image/') ? 'image' : 'file' });
  for (let i = 0; i < toolCalls; i++) layout.push({ type: 'tool-call' });
  return layout;
}

/** A tool message → one tool turn per tool-result part. */
function toolTurns(parts: readonly unknown[], where: string, policy: UnsupportedContent, providerOptions: SdkMetadata['providerOptions']): TurnInput[] {
  const turns: TurnInput[] = [];
  const refusals = new MessageText(policy, where);
  parts.forEach((part: unknown, partIndex) => {
    const at = `fromModelMessages: ${where}: content[${partIndex}]`;
    if (!isObject(part) || part.type !== 'tool-result') {
      refusals.unsupported(partLabel(part, partIndex));
      return;
    }
    const { toolCallId, toolName, output } = part;
    if (typeof toolCallId !== 'string') throw invalid(`${at} is a tool-result part whose toolCallId is ${describe(toolCallId)}.`);
    if (typeof toolName !== 'string') throw invalid(`${at} is a tool-result part whose toolName is ${describe(toolName)}.`);
    if (!isObject(output) || typeof output.type !== 'string') throw invalid(`${at} is a tool-result part whose output is ${describe(output)}; expected {type, value}.`);
    const { type, value, ...rest } = output;
    let content: string;
    if (TEXT_OUTPUTS.includes(type)) {
      if (typeof value !== 'string') throw invalid(`${at} is a tool-result part whose ${type} output has value ${describe(value)}; expected a string.`);
      content = value;
    } else if (type === DENIED_OUTPUT) {
      const { reason } = rest;
      if (reason !== undefined && typeof reason !== 'string') throw invalid(`${at} is a tool-result part whose execution-denied output has reason ${describe(reason)}.`);
      delete rest.reason;
      content = reason ?? '';
    } else {
      content = value === undefined ? '' : argumentsText(value, `${at} (output)`);
    }
    const outputRest = jsonObject(rest);
    const sdk: SdkMetadata = compact<SdkMetadata>({
      providerOptions,
      toolName,
      output: type === 'text' && outputRest === undefined ? undefined : { type, ...outputRest },
      resultProviderOptions: jsonObject(part.providerOptions),
    })!;
    turns.push(withMetadata({ role: 'tool', content, toolCallId }, sdk));
  });
  return turns;
}

// ───────────────────────────── turns → messages ─────────────────────────────

/**
 * Turns (from a store's `get`, or `contextWindow`) → AI SDK messages for `generateText` /
 * `streamText`, as {@link fromModelMessages} stored them. `ts` and the app's own metadata are
 * not sent.
 *
 * - A `system` turn, and a `user` or `assistant` turn with text only, becomes a message with
 *   string content.
 * - A turn with attachments or tool calls becomes a message with parts: its text, its attachments
 *   (image parts on user turns for `image/*` types, file parts otherwise; the URL as the data),
 *   its tool calls (`input` parsed from `arguments`; arguments that are not JSON are sent as the
 *   string). When `metadata.aiSdk` holds the original order of parts, that order.
 * - A `tool` turn becomes a tool-result part; adjacent tool turns share one tool message, as the
 *   SDK's own `response.messages` group one step's results. The tool name comes from
 *   `metadata.aiSdk.toolName`, or else from the assistant turn among `turns` that made the call
 *   (so tool turns stored by the memory proxy or your own code work too). The output type is the
 *   one stored, else `text`.
 * - Unsupported — refused with `TURNSTORE_INVALID_TURN` (default), or left out with
 *   `unsupported: 'drop'`: a tool turn without `toolCallId`, or whose tool name cannot be found;
 *   the attachments of a system or tool turn (stored by other code), which those messages cannot
 *   carry (with `'drop'` the turn is sent without them).
 *
 * @example
 * ```ts
 * const result = await generateText({ model, tools, messages: [...toModelMessages(await memory.get(id)), { role: 'user', content: question }] });
 * ```
 */
export function toModelMessages(turns: readonly ModelTurn[], options?: ModelMessageOptions): ModelMessage[] {
  const policy = checkOptions(options, 'toModelMessages');
  if (!Array.isArray(turns)) throw invalid(`toModelMessages: turns must be an array of {role, content}; got ${describe(turns)}.`);
  const toolNames = new Map<string, string>();
  turns.forEach((turn: unknown, index) => {
    const { role, content } = (turn ?? {}) as Partial<TurnLike>;
    if (roleIndex(role) < 0 || typeof content !== 'string') {
      throw invalid(`toModelMessages: turns[${index}] must be {role: user|assistant|system|tool, content: string}; got ${describe(turn)}.`);
    }
    for (const call of toolCallsOf(turn as ModelTurn, index)) toolNames.set(call.id, call.name);
  });

  const messages: ModelMessage[] = [];
  // The tool message the previous turn went into, which an adjacent tool turn joins.
  let openToolMessage: { parts: unknown[]; options: string } | undefined;
  turns.forEach((turn, index) => {
    const sdk = readSdkMetadata(turn.metadata);
    const providerOptions = sdk.providerOptions === undefined ? {} : { providerOptions: sdk.providerOptions };
    if (turn.role !== 'tool') openToolMessage = undefined;
    switch (turn.role) {
      case 'system':
        unsentAttachments(turn, index, policy, 'a system message');
        messages.push({ role: 'system', content: turn.content, ...providerOptions } as ModelMessage);
        break;
      case 'user':
      case 'assistant': {
        const attachments = attachmentsOf(turn, index);
        const calls = toolCallsOf(turn, index);
        const layout = sdk.parts !== undefined && layoutFits(sdk.parts, turn.content.length, attachments.length, calls.length)
          ? sdk.parts
          : plainLayout(turn.role, turn.content, attachments, calls.length);
        const textOnly = layout.every((part) => part.type === 'text' && part.providerOptions === undefined) && layout.length <= 1;
        const content = textOnly ? turn.content : partsOf(layout, turn.content, attachments, calls);
        messages.push({ role: turn.role, content, ...providerOptions } as ModelMessage);
        break;
      }
      case 'tool': {
        const part = toolResultPart(turn, index, sdk, toolNames, policy);
        if (part === undefined) break;
        const options = JSON.stringify(sdk.providerOptions ?? null);
        if (openToolMessage !== undefined && openToolMessage.options === options) {
          openToolMessage.parts.push(part);
        } else {
          openToolMessage = { parts: [part], options };
          messages.push({ role: 'tool', content: openToolMessage.parts, ...providerOptions } as ModelMessage);
        }
        break;
      }
    }
  });
  return messages;
}

function toolCallsOf(turn: ModelTurn, index: number): readonly ToolCall[] {
  const calls: unknown = turn.toolCalls;
  if (calls === undefined) return [];
  const ok = Array.isArray(calls) && calls.every((call: unknown) => isObject(call) && typeof call.id === 'string' && typeof call.name === 'string' && typeof call.arguments === 'string');
  if (!ok) throw invalid(`toModelMessages: turns[${index}].toolCalls must be an array of {id, name, arguments} strings; got ${describe(calls)}.`);
  return calls as readonly ToolCall[];
}

function attachmentsOf(turn: ModelTurn, index: number): readonly Attachment[] {
  const attachments: unknown = turn.attachments;
  if (attachments === undefined) return [];
  const ok = Array.isArray(attachments) && attachments.every((item: unknown) => isObject(item) && typeof item.mediaType === 'string' && typeof item.url === 'string');
  if (!ok) throw invalid(`toModelMessages: turns[${index}].attachments must be an array of {mediaType, url} strings; got ${describe(attachments)}.`);
  return attachments as readonly Attachment[];
}

/**
 * Attachments on a turn whose message cannot carry them (system messages, tool results — turns
 * stored by other code; `fromModelMessages` makes none): refused, or not sent with `'drop'`.
 */
function unsentAttachments(turn: ModelTurn, index: number, policy: UnsupportedContent, message: string): void {
  if (attachmentsOf(turn, index).length > 0 && policy === 'error') {
    throw invalid(`toModelMessages: turns[${index}] is a ${turn.role} turn with attachments, which ${message} cannot carry. Pass { unsupported: 'drop' } to send it without them.`);
  }
}

/** The parts of a user or assistant message, following the layout. */
function partsOf(layout: readonly PartLayout[], content: string, attachments: readonly Attachment[], calls: readonly ToolCall[]): unknown[] {
  let textAt = 0;
  let attachmentAt = 0;
  let callAt = 0;
  return layout.map((part) => {
    const providerOptions = part.providerOptions === undefined ? {} : { providerOptions: part.providerOptions };
    switch (part.type) {
      case 'text':
        textAt += part.length;
        return { type: 'text', text: content.slice(textAt - part.length, textAt), ...providerOptions };
      case 'image':
      case 'file': {
        const { mediaType, url } = attachments[attachmentAt++]!;
        // An image part that came without a media type goes back without one: the SDK names it.
        const typed = part.mediaType === false ? {} : { mediaType };
        return part.type === 'image'
          ? { type: 'image', image: url, ...typed, ...providerOptions }
          : { type: 'file', data: url, ...typed, ...(part.filename === undefined ? {} : { filename: part.filename }), ...providerOptions };
      }
      case 'tool-call': {
        const call = calls[callAt++]!;
        return { type: 'tool-call', toolCallId: call.id, toolName: call.name, input: parsedArguments(call.arguments), ...providerOptions };
      }
    }
  });
}

/** A call's arguments parsed; text that is not JSON (a model's broken output) is sent as the string. */
function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toolResultPart(turn: ModelTurn, index: number, sdk: SdkMetadata, toolNames: ReadonlyMap<string, string>, policy: UnsupportedContent): unknown {
  const refuse = (why: string): undefined => {
    if (policy === 'error') throw invalid(`toModelMessages: turns[${index}] is a tool turn ${why}. Pass { unsupported: 'drop' } to leave such turns out.`);
    return undefined;
  };
  const id: unknown = turn.toolCallId;
  if (typeof id !== 'string' || id === '') return refuse('without a toolCallId; an AI SDK tool result needs the id of the call it answers');
  const toolName = sdk.toolName ?? toolNames.get(id);
  if (toolName === undefined) return refuse(`answering call ${JSON.stringify(id)}, whose tool name is neither in its metadata.${METADATA_KEY}.toolName nor in a tool call among the turns`);
  unsentAttachments(turn, index, policy, 'an AI SDK tool result');
  return {
    type: 'tool-result',
    toolCallId: id,
    toolName,
    output: outputOf(turn.content, sdk.output),
    ...(sdk.resultProviderOptions === undefined ? {} : { providerOptions: sdk.resultProviderOptions }),
  };
}

/** The tool result's output: the stored type and fields, with the content as its value. */
function outputOf(content: string, stored: SdkMetadata['output']): unknown {
  const { type, ...rest } = stored ?? { type: 'text' };
  if (TEXT_OUTPUTS.includes(type)) return { type, value: content, ...rest };
  if (type === DENIED_OUTPUT) return { type, ...(content === '' ? {} : { reason: content }), ...rest };
  if (content === '') return { type, ...rest };
  return { type, value: parsedArguments(content), ...rest };
}
