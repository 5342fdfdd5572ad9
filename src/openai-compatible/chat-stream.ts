/**
 * Reading the reply out of an OpenAI-compatible chat completion, streamed (server-sent events) or
 * not. Only the fields every compatible server sends are read — `choices[0].message.content`,
 * `choices[0].delta.content`, `finish_reason`, `tool_calls` — so nothing here knows any model.
 */

/** What a reply held, as far as memory cares. */
export interface ChatReply {
  /** The text of choice 0 (deltas joined, for a stream). */
  readonly text: string;
  /** Whether choice 0 asked for tool calls: such a reply is not an answer yet, so it is not remembered. */
  readonly toolCalls: boolean;
}

interface Choice {
  readonly index?: unknown;
  readonly message?: { readonly content?: unknown; readonly tool_calls?: unknown; readonly function_call?: unknown };
  readonly delta?: { readonly content?: unknown; readonly tool_calls?: unknown; readonly function_call?: unknown };
  readonly finish_reason?: unknown;
}

function firstChoice(body: unknown): Choice | undefined {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return undefined;
  // Streams name each choice by index; a server may send choice 1's chunk before choice 0's.
  return (choices as Choice[]).find((choice) => choice?.index === undefined || choice.index === 0);
}

const hasToolCalls = (part: { tool_calls?: unknown; function_call?: unknown } | undefined): boolean =>
  (Array.isArray(part?.tool_calls) && part.tool_calls.length > 0) || (part?.function_call != null);

/**
 * The reply of a non-streamed completion (`choices[0].message`), or undefined when the body is not
 * one (no choices, or a content that is neither a string nor null).
 */
export function replyOfCompletion(body: unknown): ChatReply | undefined {
  const message = firstChoice(body)?.message;
  if (message === undefined || message === null) return undefined;
  const { content } = message;
  if (content !== null && content !== undefined && typeof content !== 'string') return undefined;
  return { text: typeof content === 'string' ? content : '', toolCalls: hasToolCalls(message) };
}

/**
 * Follows a `text/event-stream` completion chunk by chunk (bytes as they arrive, split anywhere),
 * joining `choices[0].delta.content`. The stream is complete once `data: [DONE]` arrived or choice 0
 * reported a `finish_reason`: some servers end without `[DONE]`, and a stream cut before either
 * is a reply the model never finished.
 */
export class ChatStreamReader {
  #decoder = new TextDecoder();
  #pending = '';
  #data: string[] = [];
  #text = '';
  #toolCalls = false;
  #done = false;
  #finished = false;

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

  /** The reply so far. */
  get reply(): ChatReply {
    return { text: this.#text, toolCalls: this.#toolCalls };
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
    const choice = firstChoice(event);
    if (!choice) return;
    if (typeof choice.delta?.content === 'string') this.#text += choice.delta.content;
    if (hasToolCalls(choice.delta)) this.#toolCalls = true;
    if (typeof choice.finish_reason === 'string' && choice.finish_reason.length > 0) this.#finished = true;
  }
}
