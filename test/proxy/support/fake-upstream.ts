/**
 * A fake OpenAI-compatible server on 127.0.0.1 for the memory proxy's tests and benchmark: answers
 * `POST /v1/chat/completions` with JSON or, when asked to `stream`, server-sent events; records
 * what it got; and can be told to misbehave.
 *
 * It acts like a model with tools: a request with `tools` whose last message is a user message
 * (and whose `tool_choice` is not `'none'`) is answered by calling every tool listed, in parallel,
 * each with the user's text as every parameter its schema declares (`{"query": <text>}` when it
 * declares none); a request ending with tool results is
 * answered by text quoting them. Streamed, the calls come as OpenAI sends them — the first delta of
 * each with its id and name, then its arguments in pieces — but with the pieces of different calls
 * interleaved, which the format allows (they are told apart by `index`).
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
  /** 200 with a JSON body that is no chat completion. */
  | 'not-completion'
  /** Never answers. */
  | 'hang'
  /** A stream that sends two chunks, then stops without ending (until the client leaves). */
  | 'stall'
  /** A stream that sends two chunks, then destroys the connection. */
  | 'cut';

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
  /** Text a reply that calls tools carries beside its calls (default none: `content` null). */
  toolCallText: string | null;
  /** The finish_reason of the replies (default null: `stop`, or `tool_calls` for a reply that calls tools). */
  finishReason: string | null;
  /** When set, a request that asks to `stream` is answered with JSON all the same (as some servers do). */
  ignoreStream: boolean;
  /** The raw bytes of each SSE event written for the latest stream, in order. */
  readonly streamedEvents: string[];
  /** While set, summary requests (see {@link isSummaryRequest}) wait for it before they are answered. */
  summaryGate: Promise<void> | null;
  /** When set, summary requests are answered 500 (other requests as usual). */
  summaryFails: boolean;
  /** Summary requests received and not answered yet. */
  readonly summariesPending: number;
  /** The most summary requests ever waiting at once for one conversation's summary (any conversation). */
  readonly summaryPeak: number;
  close(): Promise<void>;
}

/** Whether `body` is a summary request of the proxy's `--summarize` (its user message opens with the summary so far). */
export function isSummaryRequest(body: any): boolean {
  const text: unknown = Array.isArray(body?.messages) ? body.messages[1]?.content : undefined;
  return typeof text === 'string' && text.startsWith('Summary so far:\n');
}

/**
 * The fake's summary, deterministic: every line of the request (the summary so far and the turns
 * to fold) that holds the word "remember", in order, each once.
 */
export function fakeSummaryText(body: any): string {
  const lines = String(body.messages[1].content)
    .split('\n')
    .filter((line) => /remember/i.test(line))
    .map((line) => line.replace(/^(user|assistant|system|tool): /, ''));
  return [...new Set(lines)].join('\n') || 'Nothing to remember.';
}

/**
 * The reply text the fake gives: it names the last user message and how many messages it saw; after
 * tool results, it quotes them instead.
 */
export function fakeReplyText(body: { messages: Array<{ role: string; content: unknown }> }): string {
  const results: string[] = [];
  for (let i = body.messages.length - 1; i >= 0 && body.messages[i]!.role === 'tool'; i--)
    results.unshift(JSON.stringify(body.messages[i]!.content));
  if (results.length > 0) return `The tools said ${results.join(' and ')}; I saw ${body.messages.length} messages.`;
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  return `You said "${String(lastUser?.content)}"; I saw ${body.messages.length} messages.`;
}

/** The calls the fake makes for `body`: one per tool listed, when the last message is the user's and tools may be called. */
export function fakeToolCalls(
  body: any,
  replyId: string,
): Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> {
  const last = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
  if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tool_choice === 'none' || last?.role !== 'user') return [];
  const query = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  return body.tools.map((tool: any, i: number) => {
    const declared = Object.keys(tool.function?.parameters?.properties ?? {});
    const args = Object.fromEntries((declared.length > 0 ? declared : ['query']).map((name) => [name, query]));
    return {
      id: `call_${replyId}_${i}`,
      type: 'function' as const,
      function: { name: String(tool.function?.name), arguments: JSON.stringify(args) },
    };
  });
}

/** `text` in `count` pieces of about equal length (some may be empty). */
function piecesOf(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, i) => text.slice(i * size, (i + 1) * size));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the fake on a free port. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: ReceivedRequest[] = [];
  const streamedEvents: string[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = {
    behaviour: 'ok' as UpstreamBehaviour,
    chunkDelayMs: 1,
    toolCallText: null as string | null,
    finishReason: null as string | null,
    ignoreStream: false,
    summaryGate: null as Promise<void> | null,
    summaryFails: false,
  };
  let counter = 0;
  let summariesPending = 0;
  let summaryPeak = 0;

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
    if (isSummaryRequest(body)) {
      summariesPending++;
      summaryPeak = Math.max(summaryPeak, summariesPending);
      try {
        if (state.summaryGate) await state.summaryGate;
        if (state.summaryFails) {
          response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"summary failed on purpose"}}');
          return;
        }
        const message = { role: 'assistant', content: fakeSummaryText(body) };
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'summary',
            object: 'chat.completion',
            model: body.model,
            choices: [{ index: 0, finish_reason: 'stop', message }],
          }),
        );
      } finally {
        summariesPending--;
      }
      return;
    }
    const behaviour = state.behaviour;
    const id = `chatcmpl-${++counter}`;
    const created = 1_700_000_000 + counter;
    const model = String(body.model);
    switch (behaviour) {
      case 'error-json':
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'The fake upstream failed on purpose.', type: 'server_error', code: 'fake_failure' } }));
        return;
      case 'error-html':
        response.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
        return;
      case 'not-completion':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
        return;
      case 'hang':
        hanging.add(response);
        response.once('close', () => hanging.delete(response));
        return;
    }
    const toolCalls = fakeToolCalls(body, String(counter));
    const replyText = toolCalls.length > 0 ? state.toolCallText : fakeReplyText(body);
    const finishReason = state.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    if (body.stream !== true || state.ignoreStream) {
      const message =
        toolCalls.length > 0 ? { role: 'assistant', content: replyText, tool_calls: toolCalls } : { role: 'assistant', content: replyText };
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, finish_reason: finishReason, message }],
          usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
        }),
      );
      return;
    }

    streamedEvents.length = 0;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const chunk = (delta: object, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const deltas: object[] = [{ role: 'assistant', content: replyText === null ? null : '' }];
    if (replyText) deltas.push(...replyText.split(/(?<= )/).map((word) => ({ content: word })));
    // Each call's first delta has its id and name; the pieces of its arguments follow, interleaved with the other calls' pieces.
    const pieces = toolCalls.map((call) => piecesOf(call.function.arguments, 3));
    toolCalls.forEach((call, index) => {
      deltas.push({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      deltas.push({ tool_calls: [{ index, function: { arguments: pieces[index]![0] } }] });
    });
    for (let piece = 1; piece < 3; piece++) {
      toolCalls.forEach((_, index) => deltas.push({ tool_calls: [{ index, function: { arguments: pieces[index]![piece] } }] }));
    }
    const events = [...deltas.map((delta) => chunk(delta, null)), chunk({}, finishReason)].map(
      (event) => `data: ${JSON.stringify(event)}\n\n`,
    );
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
    get finishReason() {
      return state.finishReason;
    },
    set finishReason(value) {
      state.finishReason = value;
    },
    get ignoreStream() {
      return state.ignoreStream;
    },
    set ignoreStream(value) {
      state.ignoreStream = value;
    },
    get toolCallText() {
      return state.toolCallText;
    },
    set toolCallText(value) {
      state.toolCallText = value;
    },
    get summaryGate() {
      return state.summaryGate;
    },
    set summaryGate(value) {
      state.summaryGate = value;
    },
    get summaryFails() {
      return state.summaryFails;
    },
    set summaryFails(value) {
      state.summaryFails = value;
    },
    get summariesPending() {
      return summariesPending;
    },
    get summaryPeak() {
      return summaryPeak;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
