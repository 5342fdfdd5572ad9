/**
 * AI SDK `ModelMessage`s → turnstore turns. Plain data: nothing from `ai` is loaded at run time
 * (only its types are used), and the shapes read are the same in ai 5, 6 and 7 (tool calls with
 * `input`, tool results with `output: {type, value}`).
 */
import type { ModelMessage } from 'ai';
import { TurnstoreError } from '../../core/errors.js';
import { describe } from '../../core/options.js';
import type { Attachment, JsonValue, ToolCall, TurnInput } from '../../core/types.js';
import { MessageText, checkUnsupportedOptions, type UnsupportedContent } from '../unsupported-content.js';
import { attachmentFromData } from './attachment-data.js';
import { DENIED_OUTPUT, TEXT_OUTPUTS, invalid, isObject, type ModelMessageOptions } from './message-options.js';
import { METADATA_KEY, compact, jsonObject, marksSummary, plainLayout, type PartLayout, type SdkMetadata } from './sdk-metadata.js';

/** What a part is called in errors: `a "tool-call" part (content[1], tool weather)`. */
function partLabel(part: unknown, index: number, qualifier = ''): string {
  const type = isObject(part) ? part.type : undefined;
  const toolName = isObject(part) ? part.toolName : undefined;
  return `a ${qualifier}${typeof type === 'string' ? JSON.stringify(type) : 'untyped'} part (content[${index}]${typeof toolName === 'string' ? `, tool ${toolName}` : ''})`;
}

/** ai 7's `type`, `type/*`: a media type whose subtype the SDK works out from the data. */
function isTopLevelMediaType(mediaType: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\/\*)?$/.test(mediaType);
}

/** A file part's data, unwrapped from ai 7's tagged forms `{type: 'data', data}` and `{type: 'url', url}`. */
function fileData(data: unknown): unknown {
  if (isObject(data) && data.type === 'data' && 'data' in data) return data.data;
  if (isObject(data) && data.type === 'url' && 'url' in data) return data.url;
  return data;
}

/**
 * AI SDK messages (what you sent, and `result.response.messages` of `generateText`/`streamText`)
 * → turns for `appendMany`, all checked before anything is stored.
 *
 * - `system`, `user` and `assistant` messages become turns of that role. The content is the
 *   message's text: a string as it is, or the text parts joined with nothing between (as the
 *   SDK's `result.text` joins them).
 * - Image and file parts become `attachments` (`{mediaType, url}`): http(s): and data: URLs as
 *   they are, base64 and bytes as a `data:<mediaType>;base64,…` URL (ai 7's tagged
 *   `{type: 'data' | 'url'}` data likewise). A top-level media type (ai 7's `'image'`) is kept in
 *   the metadata, and the attachment gets the type its data shows.
 * - Tool-call parts become `toolCalls` (`{id, name, arguments}`, `arguments` the JSON text of
 *   `input`).
 * - A `tool` message becomes one `tool` turn per tool-result part: `toolCallId`, and as content the
 *   output's value — the text of a `text`/`error-text` output, the JSON text of a `json`,
 *   `error-json` or `content` output, the reason of an `execution-denied` one.
 * - Whatever the turn's own fields cannot say is kept in `metadata.aiSdk`, so the messages read
 *   back as they came: a result's output type (unless `text`), `providerOptions` (of messages,
 *   parts and outputs), and the order of parts, file names and image-or-file when the plain
 *   reading would differ. A tool result's tool name is not kept: it is the name of the call it
 *   answers, which is read back with it.
 * - Reasoning parts (and ai 7's reasoning-file parts) are always left out (the model's scratchpad,
 *   not the conversation).
 * - Unsupported — refused with `TURNSTORE_INVALID_TURN` naming the message and part (default), or
 *   dropped with `unsupported: 'drop'`: tool-approval requests and responses, provider-executed
 *   tool calls and the results that come with them in assistant messages, attachments that are
 *   not http(s): or data: URLs or whose media type is not `type/subtype`, parts of unknown types.
 *   A message with nothing left is left out.
 */
export function fromModelMessages(messages: readonly ModelMessage[], options?: ModelMessageOptions): TurnInput[] {
  const policy = checkUnsupportedOptions(options, 'fromModelMessages');
  if (!Array.isArray(messages))
    throw invalid(`fromModelMessages: messages must be an array of AI SDK messages; got ${describe(messages)}.`);
  const turns: TurnInput[] = [];
  messages.forEach((message: unknown, index) => {
    const { role, content } = (isObject(message) ? message : {}) as { role?: unknown; content?: unknown };
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
      throw invalid(
        `fromModelMessages: messages[${index}] must be an AI SDK message with role system, user, assistant or tool; got ${describe(isObject(message) ? role : message)}.`,
      );
    }
    const where = `messages[${index}] (${role})`;
    // The summary as toModelMessages gave it: compact sets it, an append never does.
    if (role === 'system' && marksSummary((message as { providerOptions?: unknown }).providerOptions)) return;
    const providerOptions = jsonObject((message as { providerOptions?: unknown }).providerOptions);
    if (role === 'tool') {
      if (!Array.isArray(content))
        throw invalid(`fromModelMessages: ${where} has content ${describe(content)}; expected an array of tool-result parts.`);
      turns.push(...toolTurns(content, where, policy, providerOptions));
    } else if (typeof content === 'string') {
      turns.push(withMetadata({ role, content }, compact<SdkMetadata>({ providerOptions })));
    } else if (Array.isArray(content) && role !== 'system') {
      const turn = partsTurn(role, content, where, policy, providerOptions);
      if (turn !== undefined) turns.push(turn);
    } else {
      throw invalid(
        `fromModelMessages: ${where} has content ${describe(content)}; expected ${role === 'system' ? 'a string' : 'an array of parts or a string'}.`,
      );
    }
  });
  return turns;
}

/** The turn with `metadata: {aiSdk}` added when there is something to keep. */
function withMetadata(turn: TurnInput, sdk: SdkMetadata | undefined): TurnInput {
  return sdk === undefined ? turn : { ...turn, metadata: { [METADATA_KEY]: sdk as unknown as JsonValue } };
}

/** A user or assistant message with an array of parts → one turn, or undefined when nothing is left. */
function partsTurn(
  role: 'user' | 'assistant',
  parts: readonly unknown[],
  where: string,
  policy: UnsupportedContent,
  providerOptions: SdkMetadata['providerOptions'],
): TurnInput | undefined {
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
    } else if ((type === 'reasoning' || type === 'reasoning-file') && role === 'assistant') {
      text.skipReasoning();
    } else if (type === 'image' || type === 'file') {
      const { mediaType, filename } = part as { mediaType?: unknown; filename?: unknown };
      if (mediaType !== undefined && typeof mediaType !== 'string')
        throw invalid(`${at} is a ${type} part whose mediaType is ${describe(mediaType)}.`);
      if (filename !== undefined && typeof filename !== 'string')
        throw invalid(`${at} is a ${type} part whose filename is ${describe(filename)}.`);
      // ai 7: a top-level media type ('image') lets the SDK name the subtype; the attachment gets the
      // one the data shows, and the part reads back with the type it came with.
      const topLevel = mediaType !== undefined && isTopLevelMediaType(mediaType);
      const attachment = attachmentFromData(
        fileData(type === 'image' ? (part as { image?: unknown }).image : (part as { data?: unknown }).data),
        topLevel ? undefined : mediaType,
        type === 'image' || mediaType === 'image' || mediaType?.startsWith('image/') === true,
      );
      if ('refused' in attachment) {
        text.unsupported(`${partLabel(part, partIndex)} with ${attachment.refused}`);
        return;
      }
      attachments.push(attachment);
      layout.push(
        compact<PartLayout>({
          type,
          filename,
          mediaType: mediaType === undefined ? false : topLevel ? mediaType : undefined,
          providerOptions: partOptions,
        })!,
      );
    } else if (type === 'tool-call' && role === 'assistant') {
      const { toolCallId, toolName, input, providerExecuted } = part as {
        toolCallId?: unknown;
        toolName?: unknown;
        input?: unknown;
        providerExecuted?: unknown;
      };
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
  return withMetadata(
    compact<TurnInput>({
      role,
      content,
      toolCalls: toolCalls.length > 0 ? toolCalls : undefined,
      attachments: attachments.length > 0 ? attachments : undefined,
    })!,
    sdk,
  );
}

/** A tool call's input as JSON text; input that JSON cannot hold is refused. */
function argumentsText(input: unknown, at: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch (error) {
    throw new TurnstoreError(
      'TURNSTORE_INVALID_TURN',
      `${at} is a tool-call part whose input cannot be written as JSON (${(error as Error).message}).`,
      { cause: error },
    );
  }
  if (json === undefined) throw invalid(`${at} is a tool-call part whose input is ${describe(input)}, which JSON cannot hold.`);
  return json;
}

/** A tool message → one tool turn per tool-result part. */
function toolTurns(
  parts: readonly unknown[],
  where: string,
  policy: UnsupportedContent,
  providerOptions: SdkMetadata['providerOptions'],
): TurnInput[] {
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
    if (!isObject(output) || typeof output.type !== 'string')
      throw invalid(`${at} is a tool-result part whose output is ${describe(output)}; expected {type, value}.`);
    const { type, value, ...rest } = output;
    let content: string;
    if (TEXT_OUTPUTS.includes(type)) {
      if (typeof value !== 'string')
        throw invalid(`${at} is a tool-result part whose ${type} output has value ${describe(value)}; expected a string.`);
      content = value;
    } else if (type === DENIED_OUTPUT) {
      const { reason } = rest;
      if (reason !== undefined && typeof reason !== 'string')
        throw invalid(`${at} is a tool-result part whose execution-denied output has reason ${describe(reason)}.`);
      delete rest.reason;
      content = reason ?? '';
    } else {
      content = value === undefined ? '' : argumentsText(value, `${at} (output)`);
    }
    const outputRest = jsonObject(rest);
    const sdk: SdkMetadata = compact<SdkMetadata>({
      providerOptions,
      output: type === 'text' && outputRest === undefined ? undefined : { type, ...outputRest },
      resultProviderOptions: jsonObject(part.providerOptions),
    })!;
    turns.push(withMetadata({ role: 'tool', content, toolCallId }, sdk));
  });
  return turns;
}
