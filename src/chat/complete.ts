/** One streamed chat completion from any OpenAI-compatible API, its text handed out as it arrives. */
import { ChatStreamReader, replyOfCompletion } from '../openai-compatible/chat-stream.js';

/** A message as OpenAI-compatible APIs take it. */
export interface Message {
  readonly role: string;
  readonly content: string;
}

/** Where to send completions. */
export interface Upstream {
  /** Base URL, e.g. http://127.0.0.1:11434/v1 */
  readonly url: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly apiKey?: string | undefined;
}

/**
 * Asks `upstream` to complete `messages` with `stream: true`, calling `onText` with each piece of
 * the reply; resolves with the whole reply once it is complete. A server that answers with plain
 * JSON instead of a stream works too (`onText` is then called once). Rejects on an error status or
 * a stream that ends before the reply is complete.
 */
export async function complete(upstream: Upstream, messages: readonly Message[], onText: (text: string) => void): Promise<string> {
  const response = await fetch(`${upstream.url.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}) },
    body: JSON.stringify({ model: upstream.model, messages, stream: true }),
  });
  if (!response.ok) throw new Error(`the model server answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  if (!/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '') || !response.body) {
    const text = replyOfCompletion(await response.json())?.text ?? '';
    onText(text);
    return text;
  }
  const reader = new ChatStreamReader();
  for await (const piece of response.body) {
    const before = reader.reply.text.length;
    reader.push(piece);
    onText(reader.reply.text.slice(before));
  }
  reader.end();
  if (!reader.complete) throw new Error('the model server ended its reply early');
  return reader.reply.text;
}
