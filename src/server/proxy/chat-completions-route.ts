/**
 * `POST /v1/chat/completions`: the memory proxy. An OpenAI-compatible endpoint that adds a
 * conversation's stored history to each request, forwards it upstream, passes the answer back as
 * it comes (JSON, or a server-sent-event stream chunk by chunk), and stores the request's new turns
 * (user messages, or tool results) with the reply (an answer, or tool calls) — only once the reply is
 * complete. See exchange.ts for which messages are new.
 */
import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TurnstoreError } from '../../core/errors.js';
import type { ConversationStore, TurnInput } from '../../core/types.js';
import { checkId } from '../../core/validate.js';
import { splitMessages } from '../../openai-compatible/chat-messages.js';
import { ChatStreamReader, replyOfCompletion, type ChatReply } from '../../openai-compatible/chat-stream.js';
import { HttpError } from '../http-errors.js';
import { errorResponses, routeSchema } from '../schemas.js';
import { readExchange, type Exchange } from './exchange.js';
import { promptMessages } from './prompt.js';
import type { ResolvedProxyOptions } from './proxy-options.js';
import { turnsHeld, type ProxySummaries } from './summaries.js';
import { ClientGoneError, jsonOf, UpstreamCall } from './upstream-call.js';

/** The header that names the conversation. */
export const CONVERSATION_HEADER = 'x-conversation-id';

const requestBody = {
  type: 'object',
  description: 'An OpenAI chat completion request. Every field but `messages` is sent upstream unchanged.',
  properties: {
    messages: {
      type: 'array',
      items: { type: 'object', properties: { role: { type: 'string' } }, required: ['role'] },
      description: 'Only what is new: the stored history is added by the proxy.',
    },
  },
  required: ['messages'],
} as const;

function conversationIdOf(request: FastifyRequest): string {
  const id: unknown = request.headers[CONVERSATION_HEADER];
  if (id === undefined)
    throw new TurnstoreError('TURNSTORE_INVALID_ID', 'The memory proxy needs the header X-Conversation-Id naming the conversation.');
  try {
    checkId(id);
  } catch (error) {
    throw new TurnstoreError('TURNSTORE_INVALID_ID', `Header X-Conversation-Id: ${(error as Error).message}`, { cause: error });
  }
  return id;
}

/**
 * The turns to store for a complete `reply`: the request's new turns, then the reply as an
 * assistant turn (with its tool calls, when it makes some). None when the request says nothing new,
 * or the reply cannot be a turn (see `ChatReply.unstorable`).
 */
function turnsToStore(exchange: Exchange, reply: ChatReply | undefined, log: FastifyBaseLogger, requestId: string): TurnInput[] {
  if (!reply || exchange.newTurns.length === 0) return [];
  if (reply.unstorable !== undefined) {
    log.info({ reqId: requestId }, `memory proxy: the reply was passed on but not stored: ${reply.unstorable}`);
    return [];
  }
  const answer: TurnInput =
    reply.toolCalls.length > 0
      ? { role: 'assistant', content: reply.text, toolCalls: reply.toolCalls }
      : { role: 'assistant', content: reply.text };
  return [...exchange.newTurns, answer];
}

/**
 * Stores the exchange. A failure (the store down, a turn over `maxTurnBytes`) is logged, not
 * answered: the reply the caller paid for is already on its way, and losing it would be worse than
 * losing its memory.
 */
export async function remember(
  store: ConversationStore,
  id: string,
  turns: TurnInput[],
  log: FastifyBaseLogger,
  requestId: string,
): Promise<void> {
  if (turns.length === 0) return;
  try {
    await store.appendMany(id, turns);
  } catch (error) {
    log.warn({ err: error, reqId: requestId }, 'memory proxy: the exchange was answered but could not be stored');
  }
}

/** The headers of every request to the upstream: JSON, and its key when it has one. */
export function upstreamHeadersOf(options: ResolvedProxyOptions): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.upstreamKey !== undefined) headers.authorization = `Bearer ${options.upstreamKey}`;
  return headers;
}

/** The 502 for an upstream error whose body is not JSON; the start of the body goes to the log only. */
export function notJsonError(response: Response, contentType: string, payload: Buffer): HttpError {
  // The cause, with the start of the body, goes to the service's error line with the 502, never to the caller.
  const cause = new Error(
    `The upstream answered ${response.status} (${contentType || 'no content type'}): ${payload.toString('utf8', 0, 300)}`,
  );
  return new HttpError(
    'TURNSTORE_UPSTREAM_UNAVAILABLE',
    `The upstream answered ${response.status} with a body that is not JSON; the service's log has its start.`,
    { cause },
  );
}

/** Registers the proxy route on `v1` (the /v1 scope, behind its token check). */
export function registerChatCompletionsRoute(
  v1: FastifyInstance,
  store: ConversationStore,
  options: ResolvedProxyOptions,
  summaries?: ProxySummaries,
): void {
  const upstreamHeaders = upstreamHeadersOf(options);
  const countTokens = options.countTokens;

  v1.post(
    '/chat/completions',
    {
      schema: routeSchema({
        summary: 'OpenAI-compatible chat completion with memory (the memory proxy)',
        description:
          "Needs the header X-Conversation-Id. Sends upstream the request's system messages, the newest stored turns that fit the token budget (tool calls as `tool_calls`, tool results with `tool_call_id`, attachments as content parts), then the request's other messages; returns the upstream's answer unchanged (JSON or an SSE stream); once the reply is complete, stores the trailing user messages (or the tool results answering the stored tool calls) and the reply (its text, and its tool calls if it makes some).",
        tags: ['memory proxy'],
        body: requestBody,
        response: {
          200: {
            description: "The upstream's answer, unchanged.",
            content: { 'application/json': { schema: { type: 'object' } }, 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses,
        },
      }),
    },
    async (request, reply) => {
      const id = conversationIdOf(request);
      const body = request.body as Record<string, unknown>;
      const split = splitMessages(body.messages);
      const history = await store.get(id);
      const exchange = readExchange(split.conversation, history);
      if (exchange.partsLeftOut > 0)
        request.log.info(
          { reqId: request.id, parts: exchange.partsLeftOut },
          'memory proxy: content parts that cannot be stored (a file_id, an unknown type) are sent but not remembered',
        );
      const { messages, leftOut } = promptMessages(split.instructions, exchange, options.contextTokens, countTokens);
      /** Stores the exchange's turns; then, when due, a summary starts once the reply is sent. */
      const keep = async (turns: TurnInput[]): Promise<void> => {
        await remember(store, id, turns, request.log, request.id);
        if (summaries && turns.length > 0 && summaries.due(turnsHeld(history) + turns.length, leftOut))
          summaries.afterReply(reply.raw, id, body.model, request.log, request.id);
      };

      const call = new UpstreamCall(options.upstreamTimeoutMs);
      // A response closed before it finished means the caller left: stop asking the upstream.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) call.stop('client-gone');
      });
      const accept = request.headers.accept;
      const response = await call.postUnlessGone(
        options.completionsUrl,
        { ...body, messages },
        accept ? { ...upstreamHeaders, accept } : upstreamHeaders,
      );
      if (!response) return abandon(reply);
      const contentType = response.headers.get('content-type') ?? '';
      if (response.ok && /^text\/event-stream\b/i.test(contentType)) return relayStream(response);

      const payload = await call.readAllUnlessGone(response);
      if (!payload) return abandon(reply);
      const parsed = jsonOf(payload);
      if (!response.ok && parsed === undefined) throw notJsonError(response, contentType, payload);
      if (response.ok) await keep(turnsToStore(exchange, replyOfCompletion(parsed), request.log, request.id));
      return reply
        .code(response.status)
        .type(contentType || 'application/json')
        .send(payload);

      /** Passes an event stream on chunk by chunk; stores the exchange before ending it, when complete. */
      function relayStream(response: Response): FastifyReply {
        const out = new PassThrough();
        const reader = new ChatStreamReader();
        void (async () => {
          try {
            // No wait for 'drain': a model writes slower than any client reads, and a client that
            // stops reading is cut off by its socket closing.
            await call.forEachPiece(response, (piece) => {
              reader.push(piece);
              out.write(piece);
            });
            reader.end();
            // Stored before the stream ends, so a caller that sends its next message as soon as this
            // one is read finds this exchange remembered.
            if (reader.complete && call.stopped === undefined) await keep(turnsToStore(exchange, reader.reply, request.log, request.id));
            out.end();
          } catch (error) {
            // The status is sent already: cutting the stream is the only way left to say it failed.
            if (!(error instanceof ClientGoneError))
              request.log.warn({ err: error, reqId: request.id }, 'memory proxy: the upstream stream failed; nothing stored');
            out.destroy(error as Error);
          }
        })();
        return reply
          .code(response.status)
          .header('content-type', response.headers.get('content-type')!)
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no')
          .send(out);
      }
    },
  );
}

/** The caller left: nothing to send. */
export function abandon(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}
