/**
 * Response objects of the Responses API, and how a response is kept in its conversation's turns.
 *
 * A response is stored as the turns of its exchange, as the chat proxy stores one: its input (user
 * messages, tool results, any assistant messages or calls it carried) then the reply, one assistant
 * turn with its text and tool calls. Every one of these turns has `metadata.response.id`; the reply
 * turn's `metadata.response` also holds what the Response object needs beside the reply
 * ({@link ResponseRecord}). Nothing else is stored, so a response lives exactly as long as its turns:
 * when the conversation expires, is evicted or deleted, or `maxTurns` trims any of its turns, the
 * response is gone (404).
 */
import type { Attachment, JsonValue, ToolCall, Turn, TurnInput } from '../../../core/types.js';
import { callItemId, inputItemId, messageItemId, type ResponseIdParts } from './ids.js';

/** The `metadata` key of the turns of a response. */
export const RESPONSE_METADATA_KEY = 'response';

/** What the reply turn keeps of its response, beside the reply. */
export interface ResponseRecord {
  readonly id: string;
  readonly created_at: number;
  readonly model: JsonValue;
  readonly usage: JsonValue;
  readonly previous_response_id: string | null;
  /** Whether the request named `conversation` (the Response object then names it). */
  readonly named_conversation: boolean;
  readonly instructions: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** The request's settings as echoed, but for `tools` (not kept, to keep turns small). */
  readonly echo: Readonly<Record<string, JsonValue>>;
  /** How many of the response's turns are its input (the reply turn follows them). */
  readonly input_turns: number;
  /** Why the reply stopped short (`max_output_tokens`, `content_filter`), or null when it is complete. */
  readonly incomplete_reason: string | null;
}

/**
 * Why a chat reply with `finish_reason` stopped short, as the Response's `incomplete_details.reason`:
 * `length` is `max_output_tokens`, `content_filter` is itself; null for a reply that ended by itself.
 */
export function incompleteReasonOf(finishReason: unknown): string | null {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return null;
}

/** A reply, as the Response object shows it. */
export interface ReplyContent {
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
}

type Item = Record<string, unknown>;

/** The Response's `usage` from a chat completion's `usage`, or null when it has none. */
export function usageOf(usage: unknown): JsonValue {
  if (usage === null || typeof usage !== 'object') return null;
  const { prompt_tokens: input, completion_tokens: output, total_tokens: total } = usage as Record<string, unknown>;
  if (typeof input !== 'number' || typeof output !== 'number') return null;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: typeof total === 'number' ? total : input + output,
  };
}

/** The message output item of a reply's text. */
export function messageItem(key: string, text: string, status: 'in_progress' | 'completed'): Item {
  return {
    id: messageItemId(key),
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  };
}

/** The `function_call` output item of a call. */
export function callItem(key: string, index: number, call: ToolCall, status: 'in_progress' | 'completed'): Item {
  return { id: callItemId(key, index), type: 'function_call', status, call_id: call.id, name: call.name, arguments: call.arguments };
}

/** The output items of a reply: a message with its text (when it has text, or makes no call), then a `function_call` per call. */
export function outputItems(key: string, reply: ReplyContent): Item[] {
  const items: Item[] = [];
  if (reply.text !== '' || reply.toolCalls.length === 0) items.push(messageItem(key, reply.text, 'completed'));
  reply.toolCalls.forEach((call, index) => items.push(callItem(key, index, call, 'completed')));
  return items;
}

/** Everything a Response object is made of. */
export interface ResponseParts {
  readonly record: ResponseRecord;
  readonly conversationId: string | null;
  readonly store: boolean;
  /** `completed` for a response whose reply is over (its record says whether it is `incomplete`). */
  readonly status: 'in_progress' | 'completed';
  /** The output items; none while in progress. */
  readonly output: readonly Item[];
  /** The request's tools as sent (a stored response shows none). */
  readonly tools: JsonValue;
}

/** The Response object. */
export function responseObject(parts: ResponseParts): Item {
  const { record, output } = parts;
  let outputText = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of item.content as Item[]) if (part.type === 'output_text') outputText += part.text as string;
  }
  return {
    id: record.id,
    object: 'response',
    created_at: record.created_at,
    status: parts.status === 'completed' && record.incomplete_reason !== null ? 'incomplete' : parts.status,
    background: false,
    error: null,
    incomplete_details: parts.status === 'completed' && record.incomplete_reason !== null ? { reason: record.incomplete_reason } : null,
    instructions: record.instructions,
    max_output_tokens: null,
    model: record.model,
    output,
    output_text: outputText,
    parallel_tool_calls: true,
    previous_response_id: record.previous_response_id,
    conversation: record.named_conversation && parts.conversationId !== null ? { id: parts.conversationId } : null,
    store: parts.store,
    temperature: null,
    top_p: null,
    ...record.echo,
    tools: parts.tools,
    usage: parts.status === 'completed' ? record.usage : null,
    metadata: record.metadata,
  };
}

/** The turns to store for a response: its input turns, then the reply turn, each marked, the reply with the record. */
export function responseTurns(record: ResponseRecord, input: readonly TurnInput[], reply: ReplyContent): TurnInput[] {
  const mark = { [RESPONSE_METADATA_KEY]: { id: record.id } };
  const answer: TurnInput =
    reply.toolCalls.length > 0
      ? { role: 'assistant', content: reply.text, toolCalls: [...reply.toolCalls] }
      : { role: 'assistant', content: reply.text };
  return [
    ...input.map((turn) => ({ ...turn, metadata: mark })),
    { ...answer, metadata: { [RESPONSE_METADATA_KEY]: record as unknown as JsonValue } },
  ];
}

/** A response found in its conversation's turns. */
export interface FoundResponse {
  readonly record: ResponseRecord;
  /** Its input turns, oldest first. */
  readonly input: readonly Turn[];
  readonly reply: Turn;
  /** The index of its reply turn in the turns searched. */
  readonly replyIndex: number;
}

const responseIdOf = (turn: Turn): unknown => (turn.metadata?.[RESPONSE_METADATA_KEY] as { id?: unknown } | undefined)?.id;

/**
 * The response `id` in `turns` (its conversation's), or undefined when it is not there whole: never
 * stored, deleted, or with any of its turns trimmed away.
 */
export function findResponse(turns: readonly Turn[], id: string): FoundResponse | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (responseIdOf(turn) !== id) continue;
    const record = turn.metadata![RESPONSE_METADATA_KEY] as unknown as ResponseRecord;
    if (typeof record.input_turns !== 'number') return undefined; // an input turn whose reply turn is gone
    const first = i - record.input_turns;
    if (first < 0) return undefined;
    const input = turns.slice(first, i);
    if (!input.every((inputTurn) => responseIdOf(inputTurn) === id)) return undefined;
    return { record, input, reply: turn, replyIndex: i };
  }
  return undefined;
}

function userParts(text: string, attachments: readonly Attachment[] | undefined): string | Item[] {
  if (!attachments || attachments.length === 0) return [{ type: 'input_text', text }];
  const parts: Item[] = text === '' ? [] : [{ type: 'input_text', text }];
  for (const { mediaType, url } of attachments) {
    if (mediaType.startsWith('image/')) parts.push({ type: 'input_image', image_url: url, detail: 'auto' });
    else parts.push({ type: 'input_file', file_data: url });
  }
  return parts;
}

/** The input items of a response, rebuilt from its input turns, oldest first. */
export function inputItems(parts: ResponseIdParts, input: readonly Turn[]): Item[] {
  const items: Item[] = [];
  const id = () => inputItemId(parts.key, items.length);
  for (const turn of input) {
    switch (turn.role) {
      case 'tool':
        items.push({ id: id(), type: 'function_call_output', call_id: turn.toolCallId ?? '', output: turn.content, status: 'completed' });
        break;
      case 'assistant':
        if (turn.content !== '' || !turn.toolCalls?.length)
          items.push({
            id: id(),
            type: 'message',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: turn.content, annotations: [] }],
          });
        for (const call of turn.toolCalls ?? [])
          items.push({
            id: id(),
            type: 'function_call',
            call_id: call.id,
            name: call.name,
            arguments: call.arguments,
            status: 'completed',
          });
        break;
      default:
        items.push({ id: id(), type: 'message', role: turn.role, status: 'completed', content: userParts(turn.content, turn.attachments) });
    }
  }
  return items;
}
