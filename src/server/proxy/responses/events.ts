/**
 * The Responses API event stream, written from the chunks of a streamed chat completion as they
 * arrive: `response.created` and `response.in_progress` first; a `message` output item (with its
 * `output_text` part) opened by the first text, its `response.output_text.delta`s; a
 * `function_call` output item opened by each call's first piece that names it, its
 * `response.function_call_arguments.delta`s; then, once the reply is complete, the `.done` event
 * of each text, part, arguments and item, and `response.completed` (`response.incomplete` when the
 * reply stopped at `max_output_tokens`) — or an `error` event when it never completes. Every event has its `sequence_number`, from 0.
 *
 * Chat streams may interleave the pieces of parallel calls; each event names its item by
 * `output_index`, which is what the clients' accumulators follow.
 */
import { argumentsText, firstChoice } from '../../../openai-compatible/chat-stream.js';
import { callItem, messageItem } from './response.js';
import { callItemId, messageItemId } from './ids.js';

type Item = Record<string, unknown>;

interface OpenCall {
  readonly index: number;
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  /** Its output index once its item was opened (when its id and name were known). */
  outputIndex: number | undefined;
}

/** Writes the events of one response to `write` (server-sent event text). */
export class ResponseEvents {
  readonly #write: (text: string) => void;
  readonly #key: string;
  #sequence = 0;
  #outputs = 0;
  #message: { outputIndex: number; text: string } | undefined;
  readonly #calls = new Map<number, OpenCall>();

  /** `key` is the response id's key, which its item ids are made from. */
  constructor(key: string, write: (text: string) => void) {
    this.#key = key;
    this.#write = write;
  }

  #send(type: string, fields: Item): void {
    this.#write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.#sequence++, ...fields })}\n\n`);
  }

  /** The first events, with the response in progress. */
  start(response: Item): void {
    this.#send('response.created', { response });
    this.#send('response.in_progress', { response });
  }

  /** The events of one chat chunk (its choice 0's text and tool call pieces). */
  chunk(chunk: unknown): void {
    const delta = firstChoice(chunk)?.delta;
    if (delta === undefined || delta === null) return;
    if (typeof delta.content === 'string' && delta.content !== '') this.#text(delta.content);
    if (Array.isArray(delta.tool_calls))
      delta.tool_calls.forEach((raw: unknown, position) => {
        if (raw !== null && typeof raw === 'object') this.#callPiece(raw as Item, position);
      });
  }

  #text(delta: string): void {
    if (!this.#message) {
      this.#message = { outputIndex: this.#outputs++, text: '' };
      this.#openMessage(this.#message.outputIndex);
    }
    this.#message.text += delta;
    const { outputIndex } = this.#message;
    this.#send('response.output_text.delta', {
      item_id: messageItemId(this.#key),
      output_index: outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
  }

  #openMessage(outputIndex: number): void {
    const item_id = messageItemId(this.#key);
    this.#send('response.output_item.added', { output_index: outputIndex, item: messageItem(this.#key, '', 'in_progress') });
    this.#send('response.content_part.added', {
      item_id,
      output_index: outputIndex,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
  }

  #callPiece(raw: Item, position: number): void {
    const index = Number.isSafeInteger(raw.index) && (raw.index as number) >= 0 ? (raw.index as number) : position;
    let call = this.#calls.get(index);
    if (!call) {
      call = { index, id: undefined, name: undefined, arguments: '', outputIndex: undefined };
      this.#calls.set(index, call);
    }
    if (call.id === undefined && typeof raw.id === 'string' && raw.id !== '') call.id = raw.id;
    const fn = raw.function as Item | null | undefined;
    if (call.name === undefined && typeof fn?.name === 'string' && fn.name !== '') call.name = fn.name;
    const piece = argumentsText(fn?.arguments);
    call.arguments += piece;
    if (call.outputIndex === undefined) {
      // Opened once it is named: its pieces so far go out as its first delta.
      if (call.id !== undefined && call.name !== undefined) this.#openCall(call);
    } else if (piece !== '') {
      this.#send('response.function_call_arguments.delta', {
        item_id: callItemId(this.#key, call.index),
        output_index: call.outputIndex,
        delta: piece,
      });
    }
  }

  #openCall(call: OpenCall): void {
    call.outputIndex = this.#outputs++;
    const item = callItem(this.#key, call.index, { id: call.id ?? '', name: call.name ?? '', arguments: '' }, 'in_progress');
    this.#send('response.output_item.added', { output_index: call.outputIndex, item });
    if (call.arguments !== '')
      this.#send('response.function_call_arguments.delta', { item_id: item.id, output_index: call.outputIndex, delta: call.arguments });
  }

  /** The reply is complete: every item is closed (an empty message opened first when the reply had nothing). */
  finish(): void {
    if (!this.#message && this.#calls.size === 0) {
      this.#message = { outputIndex: this.#outputs++, text: '' };
      this.#openMessage(this.#message.outputIndex);
    }
    for (const call of this.#calls.values()) if (call.outputIndex === undefined) this.#openCall(call);
    const closing: Array<[number, () => void]> = [];
    if (this.#message) {
      const { outputIndex, text } = this.#message;
      closing.push([outputIndex, () => this.#closeMessage(outputIndex, text)]);
    }
    for (const call of this.#calls.values()) closing.push([call.outputIndex!, () => this.#closeCall(call)]);
    closing.sort(([a], [b]) => a - b);
    for (const [, close] of closing) close();
  }

  #closeMessage(outputIndex: number, text: string): void {
    const item_id = messageItemId(this.#key);
    this.#send('response.output_text.done', { item_id, output_index: outputIndex, content_index: 0, text, logprobs: [] });
    this.#send('response.content_part.done', {
      item_id,
      output_index: outputIndex,
      content_index: 0,
      part: { type: 'output_text', text, annotations: [], logprobs: [] },
    });
    this.#send('response.output_item.done', { output_index: outputIndex, item: messageItem(this.#key, text, 'completed') });
  }

  #closeCall(call: OpenCall): void {
    const item = callItem(this.#key, call.index, { id: call.id ?? '', name: call.name ?? '', arguments: call.arguments }, 'completed');
    this.#send('response.function_call_arguments.done', {
      item_id: item.id,
      output_index: call.outputIndex,
      name: item.name,
      arguments: call.arguments,
    });
    this.#send('response.output_item.done', { output_index: call.outputIndex, item });
  }

  /** The last event of a response whose reply is over: `response.completed`, or `response.incomplete` when it stopped short. */
  completed(response: Item): void {
    this.#send(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  /** The last event of a response that failed: the clients raise it as an error. */
  failed(code: string, message: string): void {
    this.#send('error', { code, message, param: null });
  }
}
