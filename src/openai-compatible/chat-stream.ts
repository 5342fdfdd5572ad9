/**
 * Reading the reply out of an OpenAI-compatible chat completion, streamed (server-sent events) or
 * not. Only the fields every compatible server sends are read — `choices[0].message.content`,
 * `choices[0].delta.content`, `finish_reason`, `tool_calls` — so nothing here knows any model.
 */
import type { ToolCall } from '../core/types.js';

/** What a reply held, as far as memory cares. */
export interface ChatReply {
  /** The text of choice 0 (deltas joined, for a stream); `''` when it has none. */
  readonly text: string;
  /** The tool calls of choice 0, in the order of their `index`; empty when it calls none. */
  readonly toolCalls: readonly ToolCall[];
  /**
   * Why the reply cannot be remembered as a turn, when it cannot: it uses the deprecated
   * `function_call` (which has no id for a result to name), calls a tool that is not a function,
   * or a call lacks its id or name.
   */
  readonly unstorable?: string;
}

interface RawToolCall {
  readonly index?: unknown;
  readonly id?: unknown;
  readonly type?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown } | null;
}

/** A choice of a completion (`message`) or of a stream chunk (`delta`). */
export interface Choice {
  readonly index?: unknown;
  readonly message?: { readonly content?: unknown; readonly tool_calls?: unknown; readonly function_call?: unknown };
  readonly delta?: { readonly content?: unknown; readonly tool_calls?: unknown; readonly function_call?: unknown };
  readonly finish_reason?: unknown;
}

/** Choice 0 of a completion or chunk (the one memory follows), or undefined when it has none. */
export function firstChoice(body: unknown): Choice | undefined {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return undefined;
  // Streams name each choice by index; a server may send choice 1's chunk before choice 0's.
  return (choices as Choice[]).find((choice) => choice?.index === undefined || choice.index === 0);
}

/**
 * The text of a call's arguments. The format says a string (the model's JSON, kept verbatim); a
 * server that sends an object instead gets it as JSON text, and a missing one is `''`.
 */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/** A call being assembled from stream deltas (or read whole from a completion). */
interface PartialCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  notFunction: boolean;
}

/** The finished calls, in index order, or why they cannot be stored. */
function finishCalls(calls: ReadonlyMap<number, PartialCall>): { toolCalls: ToolCall[]; unstorable?: string } {
  const toolCalls: ToolCall[] = [];
  for (const index of [...calls.keys()].sort((a, b) => a - b)) {
    const call = calls.get(index)!;
    if (call.notFunction) return { toolCalls, unstorable: `tool call ${index} is not a function call` };
    if (!call.id) return { toolCalls, unstorable: `tool call ${index} has no id` };
    if (!call.name) return { toolCalls, unstorable: `tool call ${index} has no function name` };
    toolCalls.push({ id: call.id, name: call.name, arguments: call.arguments });
  }
  return { toolCalls };
}

/**
 * Adds the `tool_calls` of one message or delta to `calls`: entries are matched by `index` (the
 * position in the array when a server leaves it out); the id, type and name are taken from the
 * first piece that has them, and the arguments are concatenated in order of arrival.
 */
function collectCalls(calls: Map<number, PartialCall>, toolCalls: unknown): void {
  if (!Array.isArray(toolCalls)) return;
  toolCalls.forEach((raw: RawToolCall | null, position) => {
    if (raw === null || typeof raw !== 'object') return;
    const index = Number.isSafeInteger(raw.index) && (raw.index as number) >= 0 ? (raw.index as number) : position;
    let call = calls.get(index);
    if (!call) {
      call = { id: undefined, name: undefined, arguments: '', notFunction: false };
      calls.set(index, call);
    }
    if (call.id === undefined && typeof raw.id === 'string' && raw.id.length > 0) call.id = raw.id;
    if (raw.type !== undefined && raw.type !== null && raw.type !== 'function') call.notFunction = true;
    const fn = raw.function;
    if (fn !== null && typeof fn === 'object') {
      if (call.name === undefined && typeof fn.name === 'string' && fn.name.length > 0) call.name = fn.name;
      if (fn.arguments !== undefined && fn.arguments !== null) call.arguments += argumentsText(fn.arguments);
    }
  });
}

const LEGACY_FUNCTION_CALL = 'it uses the deprecated function_call, which has no id for a tool result to name';

/**
 * The reply of a non-streamed completion (`choices[0].message`), or undefined when the body is not
 * one (no choices, or a content that is neither a string nor null).
 */
export function replyOfCompletion(body: unknown): ChatReply | undefined {
  const message = firstChoice(body)?.message;
  if (message === undefined || message === null) return undefined;
  const { content } = message;
  if (content !== null && content !== undefined && typeof content !== 'string') return undefined;
  const text = typeof content === 'string' ? content : '';
  const calls = new Map<number, PartialCall>();
  collectCalls(calls, message.tool_calls);
  const { toolCalls, unstorable } = finishCalls(calls);
  if (message.function_call != null) return { text, toolCalls, unstorable: LEGACY_FUNCTION_CALL };
  return unstorable === undefined ? { text, toolCalls } : { text, toolCalls, unstorable };
}

/**
 * Follows a `text/event-stream` completion chunk by chunk (bytes as they arrive, split anywhere),
 * joining `choices[0].delta.content` and assembling `choices[0].delta.tool_calls`. The stream is complete once `data: [DONE]` arrived or choice 0
 * reported a `finish_reason`: some servers end without `[DONE]`, and a stream cut before either
 * is a reply the model never finished.
 */
export class ChatStreamReader {
  #decoder = new TextDecoder();
  #pending = '';
  #data: string[] = [];
  #text = '';
  readonly #calls = new Map<number, PartialCall>();
  #functionCall = false;
  #done = false;
  #finished = false;
  readonly #onChunk: ((chunk: unknown) => void) | undefined;

  /** `onChunk`, when given, is handed every chunk (each event's parsed JSON) as it is read, in order. */
  constructor(onChunk?: (chunk: unknown) => void) {
    this.#onChunk = onChunk;
  }

  /** Feeds the next bytes of the stream. */
  push(chunk: Uint8Array): void {
    this.#consume(this.#decoder.decode(chunk, { stream: true }));
  }

  /** Call once the stream has ended: an event not followed by a blank line still counts. */
  end(): void {
    this.#consume(this.#decoder.decode());
    if (this.#pending.length > 0) this.#line(this.#pending);
    this.#pending = '';
    this.#dispatch();
  }

  /** Whether the reply is whole: `[DONE]` seen, or a `finish_reason` for choice 0. */
  get complete(): boolean {
    return this.#done || this.#finished;
  }

  /** The reply so far: its text, and its tool calls as assembled from their deltas. */
  get reply(): ChatReply {
    const { toolCalls, unstorable } = finishCalls(this.#calls);
    if (this.#functionCall) return { text: this.#text, toolCalls, unstorable: LEGACY_FUNCTION_CALL };
    return unstorable === undefined ? { text: this.#text, toolCalls } : { text: this.#text, toolCalls, unstorable };
  }

  #consume(text: string): void {
    const lines = (this.#pending + text).split(/\r\n|\r|\n/);
    // The last piece has no line end yet (or is empty after one): keep it for the next chunk. A lone
    // \r at the end might be half of \r\n; treating it as a line end early only yields an empty line
    // now and another empty line later, which dispatches nothing twice.
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  // The SSE format (WHATWG HTML, "server-sent events"): `data:` lines accumulate, a blank line
  // dispatches the event; comments (`:`) and other fields (`event:`, `id:`, `retry:`) carry no text.
  #line(line: string): void {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }
    if (!line.startsWith('data:')) return;
    this.#data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }

  #dispatch(): void {
    if (this.#data.length === 0) return;
    const data = this.#data.join('\n');
    this.#data = [];
    if (data.trim() === '[DONE]') {
      this.#done = true;
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return; // Not a chunk (some servers send keep-alive or status events); nothing to remember.
    }
    this.#onChunk?.(event);
    const choice = firstChoice(event);
    if (!choice) return;
    if (typeof choice.delta?.content === 'string') this.#text += choice.delta.content;
    collectCalls(this.#calls, choice.delta?.tool_calls);
    if (choice.delta?.function_call != null) this.#functionCall = true;
    if (typeof choice.finish_reason === 'string' && choice.finish_reason.length > 0) this.#finished = true;
  }
}
