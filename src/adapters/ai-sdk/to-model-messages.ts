/**
 * Turnstore turns → AI SDK `ModelMessage`s, as `fromModelMessages` stored them. Plain data:
 * nothing from `ai` is loaded at run time, and the shapes written are the same in ai 5, 6 and 7.
 */
import type { ModelMessage } from 'ai';
import { describe } from '../../core/options.js';
import { ORPHAN, ToolExchanges } from '../../core/tool-exchanges.js';
import type { Attachment, ToolCall } from '../../core/types.js';
import { roleIndex } from '../../core/validate.js';
import { checkUnsupportedOptions, type UnsupportedContent } from '../unsupported-content.js';
import { DENIED_OUTPUT, TEXT_OUTPUTS, invalid, isObject, type ModelMessageOptions, type ModelTurn } from './message-options.js';
import { SUMMARY_PROVIDER_OPTIONS, layoutFits, plainLayout, readSdkMetadata, type PartLayout, type SdkMetadata } from './sdk-metadata.js';

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
 *   SDK's own `response.messages` group one step's results. The tool name is the one of the call
 *   it answers (so tool turns stored by the memory proxy or your own code work too); the output
 *   type is the one stored, else `text`.
 * - A tool exchange is sent whole or not at all: a tool turn whose call is not in an earlier turn
 *   (a store's `maxTurns` cut it off), and an assistant turn whose tool calls are not all answered
 *   by later tool turns (with the results it has), are left out — the SDK and providers refuse
 *   either.
 * - Unsupported — refused with `TURNSTORE_INVALID_TURN` (default), or left out with
 *   `unsupported: 'drop'`: a tool turn without `toolCallId`; the attachments of a system or tool
 *   turn (stored by other code), which those messages cannot carry (with `'drop'` the turn is sent
 *   without them).
 *
 * @example
 * ```ts
 * const result = await generateText({ model, tools, messages: [...toModelMessages(await memory.get(id)), { role: 'user', content: question }] });
 * ```
 */
export function toModelMessages(turns: readonly ModelTurn[], options?: ModelMessageOptions): ModelMessage[] {
  const policy = checkUnsupportedOptions(options, 'toModelMessages');
  if (!Array.isArray(turns)) throw invalid(`toModelMessages: turns must be an array of {role, content}; got ${describe(turns)}.`);
  // The same pairing rule as contextWindow's, so a history it did not window goes out whole too.
  let exchanges: ToolExchanges | undefined;
  turns.forEach((turn: unknown, index) => {
    const { role, content, toolCallId } = (turn ?? {}) as Partial<ModelTurn>;
    if (roleIndex(role) < 0 || typeof content !== 'string') {
      throw invalid(`toModelMessages: turns[${index}] must be {role: user|assistant|system|tool, content: string}; got ${describe(turn)}.`);
    }
    const calls = toolCallsOf(turn as ModelTurn, index);
    if (calls.length > 0 && role !== 'assistant')
      throw invalid(`toModelMessages: turns[${index}] (role ${role}) has toolCalls; only assistant turns make tool calls.`);
    if (toolCallId !== undefined && (role !== 'tool' || typeof toolCallId !== 'string')) {
      throw invalid(
        `toModelMessages: turns[${index}] (role ${role}) has toolCallId ${describe(toolCallId)}; only tool turns answer a call, by its id (a string).`,
      );
    }
    if (calls.length > 0 || toolCallId !== undefined) (exchanges ??= new ToolExchanges(turns.length)).add(turn as ModelTurn, index);
  });
  const sent = (index: number): boolean => exchanges === undefined || exchanges.ownerOf(index) !== ORPHAN;

  const messages: ModelMessage[] = [];
  // The tool name of each call sent so far, by call id, for the tool turns that answer them.
  const toolNames = new Map<string, string>();
  // The tool message the previous turn went into, which an adjacent tool turn joins.
  let openToolMessage: { parts: unknown[]; options: string } | undefined;
  turns.forEach((turn, index) => {
    if (!sent(index)) return;
    const sdk = readSdkMetadata(turn.metadata);
    const providerOptions = sdk.providerOptions === undefined ? {} : { providerOptions: sdk.providerOptions };
    if (turn.role !== 'tool') openToolMessage = undefined;
    switch (turn.role) {
      case 'system':
        unsentAttachments(turn, index, policy, 'a system message');
        // The summary is marked under a provider key no provider reads, so fromModelMessages can leave it out.
        messages.push({
          role: 'system',
          content: turn.content,
          ...((turn as { summary?: unknown }).summary === true ? { providerOptions: SUMMARY_PROVIDER_OPTIONS } : providerOptions),
        } as ModelMessage);
        break;
      case 'user':
      case 'assistant': {
        const attachments = attachmentsOf(turn, index);
        const calls = toolCallsOf(turn, index);
        for (const call of calls) toolNames.set(call.id, call.name);
        const layout =
          sdk.parts !== undefined && layoutFits(sdk.parts, turn.content.length, attachments.length, calls.length)
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
  const ok =
    Array.isArray(calls) &&
    calls.every(
      (call: unknown) =>
        isObject(call) && typeof call.id === 'string' && typeof call.name === 'string' && typeof call.arguments === 'string',
    );
  if (!ok)
    throw invalid(`toModelMessages: turns[${index}].toolCalls must be an array of {id, name, arguments} strings; got ${describe(calls)}.`);
  return calls as readonly ToolCall[];
}

function attachmentsOf(turn: ModelTurn, index: number): readonly Attachment[] {
  const attachments: unknown = turn.attachments;
  if (attachments === undefined) return [];
  const ok =
    Array.isArray(attachments) &&
    attachments.every((item: unknown) => isObject(item) && typeof item.mediaType === 'string' && typeof item.url === 'string');
  if (!ok)
    throw invalid(
      `toModelMessages: turns[${index}].attachments must be an array of {mediaType, url} strings; got ${describe(attachments)}.`,
    );
  return attachments as readonly Attachment[];
}

/**
 * Attachments on a turn whose message cannot carry them (system messages, tool results — turns
 * stored by other code; `fromModelMessages` makes none): refused, or not sent with `'drop'`.
 */
function unsentAttachments(turn: ModelTurn, index: number, policy: UnsupportedContent, message: string): void {
  if (attachmentsOf(turn, index).length > 0 && policy === 'error') {
    throw invalid(
      `toModelMessages: turns[${index}] is a ${turn.role} turn with attachments, which ${message} cannot carry. Pass { unsupported: 'drop' } to send it without them.`,
    );
  }
}

/** The parts of a user or assistant message, following the layout. */
function partsOf(
  layout: readonly PartLayout[],
  content: string,
  attachments: readonly Attachment[],
  calls: readonly ToolCall[],
): unknown[] {
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
        // A top-level type (ai 7's 'image') goes back as it came: the SDK works out the subtype.
        const typed = part.mediaType === false ? {} : { mediaType: typeof part.mediaType === 'string' ? part.mediaType : mediaType };
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

function toolResultPart(
  turn: ModelTurn,
  index: number,
  sdk: SdkMetadata,
  toolNames: ReadonlyMap<string, string>,
  policy: UnsupportedContent,
): unknown {
  const refuse = (why: string): undefined => {
    if (policy === 'error')
      throw invalid(`toModelMessages: turns[${index}] is a tool turn ${why}. Pass { unsupported: 'drop' } to leave such turns out.`);
    return undefined;
  };
  const id: unknown = turn.toolCallId;
  if (typeof id !== 'string' || id === '') return refuse('without a toolCallId; an AI SDK tool result needs the id of the call it answers');
  // Orphans were left out: every tool turn sent answers a call sent before it.
  const toolName = toolNames.get(id)!;
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
