/**
 * A fake OpenAI-compatible server on 127.0.0.1 for the memory proxy's tests and benchmark: answers
 * `POST /v1/chat/completions` with JSON or, when asked to `stream`, server-sent events; records
 * what it got; and can be told to misbehave.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

/** How the next requests are answered. */
export type UpstreamBehaviour =
  | 'ok'
  /** 500 with an OpenAI-style JSON error body. */
  | 'error-json'
  /** 503 with an HTML body, as a reverse proxy in front of a dead server answers. */
  | 'error-html'
  /** Never answers. */
  | 'hang'
  /** A stream that sends two chunks, then stops without ending (until the client leaves). */
  | 'stall'
  /** A stream that sends two chunks, then destroys the connection. */
  | 'cut'
  /** A reply asking for a tool call instead of text. */
  | 'tool-call';

/** One request the fake got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: any;
  /** Resolves when the request's connection or response closed (a client going away included). */
  readonly closed: Promise<void>;
}

/** The running fake. */
export interface FakeUpstream {
  /** The base URL to give the proxy, ending in /v1. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  behaviour: UpstreamBehaviour;
  /** Milliseconds between two stream chunks. */
  chunkDelayMs: number;
  /** The raw bytes of each SSE event written for the latest stream, in order. */
  readonly streamedEvents: string[];
  close(): Promise<void>;
}

/** The reply text the fake gives: it names the last user message and how many messages it saw. */
export function fakeReplyText(body: { messages: Array<{ role: string; content: unknown }> }): string {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  return `You said "${String(lastUser?.content)}"; I saw ${body.messages.length} messages.`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the fake on a free port. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: ReceivedRequest[] = [];
  const streamedEvents: string[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { behaviour: 'ok' as UpstreamBehaviour, chunkDelayMs: 1 };
  let counter = 0;

  const server = http.createServer(async (request, response) => {
    let text = '';
    request.setEncoding('utf8');
    for await (const piece of request) text += piece as string;
    const closed = once(response, 'close').then(() => undefined);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({ method: request.method!, url: request.url!, headers: request.headers, body, closed });
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const behaviour = state.behaviour;
    const id = `chatcmpl-${++counter}`;
    const created = 1_700_000_000 + counter;
    const model = String(body.model);
    switch (behaviour) {
      case 'error-json':
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'The fake upstream failed on purpose.', type: 'server_error', code: 'fake_failure' } }));
        return;
      case 'error-html':
        response.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
        return;
      case 'hang':
        hanging.add(response);
        response.once('close', () => hanging.delete(response));
        return;
    }
    const replyText = fakeReplyText(body);
    if (behaviour === 'tool-call') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] } }],
      }));
      return;
    }
    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: replyText } }],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      }));
      return;
    }

    streamedEvents.length = 0;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [
      chunk({ role: 'assistant', content: '' }, null),
      ...replyText.split(/(?<= )/).map((word) => chunk({ content: word }, null)),
      chunk({}, 'stop'),
    ].map((event) => `data: ${JSON.stringify(event)}\n\n`);
    events.push('data: [DONE]\n\n');
    for (let i = 0; i < events.length; i++) {
      if (response.destroyed) return;
      if (i === 2 && (behaviour === 'stall' || behaviour === 'cut')) {
        if (behaviour === 'cut') response.socket?.destroy();
        else hanging.add(response);
        return;
      }
      streamedEvents.push(events[i]!);
      response.write(events[i]);
      if (state.chunkDelayMs > 0) await sleep(state.chunkDelayMs);
    }
    response.end();
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    streamedEvents,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value) {
      state.behaviour = value;
    },
    get chunkDelayMs() {
      return state.chunkDelayMs;
    },
    set chunkDelayMs(value) {
      state.chunkDelayMs = value;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
