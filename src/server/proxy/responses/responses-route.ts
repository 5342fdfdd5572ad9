/**
 * The Responses API of the memory proxy: `POST /v1/responses` over a Chat Completions upstream,
 * with the state OpenAI keeps on its servers kept in the store, and `GET`/`DELETE
 * /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`. Errors come in OpenAI's shape,
 * `{ error: { message, type, param, code } }`, `code` being the service's code (docs/errors.md).
 *
 * Where the history comes from:
 * - `conversation` (an id or `{ id }`): the conversation's turns, whoever wrote them; the
 *   exchange is appended to it (created on first use);
 * - `previous_response_id`: the turns of that response's conversation up to and including it. When
 *   it is the conversation's newest, the exchange is appended to the same conversation; when
 *   turns follow it, the exchange forks: a new conversation is created holding the turns up to
 *   that response and then the exchange, in one `appendMany`, and the turns after it are neither
 *   sent nor copied;
 * - neither: no history, and a new conversation.
 * The history goes upstream through the chat proxy's window and budget (prompt.ts). The exchange
 * is stored once the reply is complete; `store: false` stores nothing, and neither does a failed,
 * cut or abandoned step. See response.ts for how a response is kept in its turns.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConversationStore, JsonValue, Turn, TurnInput } from '../../../core/types.js';
import { splitMessages } from '../../../openai-compatible/chat-messages.js';
import { ChatStreamReader, firstChoice, replyOfCompletion, type ChatReply } from '../../../openai-compatible/chat-stream.js';
import { turnOfMessage } from '../../../openai-compatible/chat-turns.js';
import { errorHandlerFor } from '../../error-handling.js';
import type { FailureLog } from '../../failure-log.js';
import { boundedMessage, HttpError, type ErrorReply } from '../../http-errors.js';
import { routeSchema } from '../../schemas.js';
import { abandon, notJsonError, remember, upstreamHeadersOf } from '../chat-completions-route.js';
import { readExchange } from '../exchange.js';
import { promptMessages } from '../prompt.js';
import type { ResolvedProxyOptions } from '../proxy-options.js';
import { turnsHeld, type ProxySummaries } from '../summaries.js';
import { ClientGoneError, jsonOf, UpstreamCall } from '../upstream-call.js';
import { ResponseEvents } from './events.js';
import { newConversationId, newResponseId, partsOfResponseId, type ResponseIdParts } from './ids.js';
import { ConversationLocks } from './locks.js';
import { readResponsesRequest, type ResponsesRequest } from './request.js';
import {
  findResponse,
  incompleteReasonOf,
  inputItems,
  outputItems,
  responseObject,
  responseTurns,
  usageOf,
  type FoundResponse,
  type ReplyContent,
  type ResponseRecord,
} from './response.js';

const tags = ['memory proxy: Responses API'];

/** OpenAI's error body. */
const openAiError = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string', description: 'invalid_request_error (4xx) or server_error (5xx).' },
        param: { type: ['string', 'null'], description: 'The request field at fault, when one is.' },
        code: { type: 'string', description: 'Stable code; see docs/errors.md.' },
      },
      required: ['message', 'type', 'param', 'code'],
    },
  },
  required: ['error'],
} as const;
const errorResponses = { '4xx': openAiError, '5xx': openAiError } as const;

/** An error as OpenAI answers it, with the service's code. */
function openAiErrorBody(answer: ErrorReply, error: unknown): object {
  return {
    error: {
      message: boundedMessage(answer.message),
      type: answer.status >= 500 ? 'server_error' : 'invalid_request_error',
      param: error instanceof HttpError ? (error.param ?? null) : null,
      code: answer.code,
    },
  };
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'A response id (`resp_…`) this service answered.' } },
  required: ['id'],
} as const;
const responseSchema = { type: 'object', description: 'A Response object (OpenAI Responses API).' } as const;

function notFound(id: string, param?: string): HttpError {
  return new HttpError(
    'TURNSTORE_NOT_FOUND',
    `Response with id '${id}' not found (never stored, deleted, or forgotten with its conversation).`,
    {
      ...(param ? { param } : {}),
    },
  );
}

/** Sends `body` as JSON text (the Response's fields are many and open: no schema to serialize them). */
function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Where an exchange's history comes from and where it is stored. */
interface Plan {
  /** The turns before the exchange. */
  readonly history: readonly Turn[];
  /** The conversation the exchange is stored in. */
  readonly conversationId: string;
  /** Turns to store before the exchange: a fork's copied history. */
  readonly seed: readonly TurnInput[];
  /** Releases the conversation's lock. */
  readonly release: () => void;
}

/** A stored turn to append again (a fork's history): a summary goes as the plain system turn it reads as. */
const withoutTs = ({ ts: _, summary: _summary, ...turn }: Turn): TurnInput => turn;

/** Registers the routes on `v1` (the /v1 scope, behind its token check), in a scope of their own that answers errors in OpenAI's shape. */
export async function registerResponsesRoutes(
  v1: FastifyInstance,
  store: ConversationStore,
  options: ResolvedProxyOptions,
  logFailure: FailureLog,
  summaries?: ProxySummaries,
): Promise<void> {
  const upstreamHeaders = upstreamHeadersOf(options);
  const locks = new ConversationLocks();
  const noLock = () => undefined;

  /** The response `id`, read from its conversation, or a 404 naming `param`. */
  async function lookUp(id: string, param?: string): Promise<{ parts: ResponseIdParts; turns: Turn[]; found: FoundResponse }> {
    const parts = partsOfResponseId(id);
    if (!parts) throw notFound(id, param);
    const turns = await store.get(parts.conversationId);
    const found = findResponse(turns, id);
    if (!found) throw notFound(id, param);
    return { parts, turns, found };
  }

  async function planOf(request: ResponsesRequest): Promise<Plan> {
    if (request.previousResponseId !== undefined) {
      const parts = partsOfResponseId(request.previousResponseId);
      if (!parts) throw notFound(request.previousResponseId, 'previous_response_id');
      const release = request.store ? await locks.acquire(parts.conversationId) : noLock;
      try {
        const { turns, found } = await lookUp(request.previousResponseId, 'previous_response_id');
        const history = turns.slice(0, found.replyIndex + 1);
        if (found.replyIndex === turns.length - 1) return { history, conversationId: parts.conversationId, seed: [], release };
        // A fork: its new conversation is known to no one else yet, so it needs no lock.
        release();
        return { history, conversationId: newConversationId(), seed: history.map(withoutTs), release: noLock };
      } catch (error) {
        release();
        throw error;
      }
    }
    const conversationId = request.conversation ?? newConversationId();
    if (request.conversation === undefined) return { history: [], conversationId, seed: [], release: noLock };
    const release = request.store ? await locks.acquire(conversationId) : noLock;
    try {
      return { history: await store.get(conversationId), conversationId, seed: [], release };
    } catch (error) {
      release();
      throw error;
    }
  }

  await v1.register(async (scope) => {
    scope.setErrorHandler(errorHandlerFor(logFailure, openAiErrorBody));

    scope.post(
      '/responses',
      {
        schema: routeSchema({
          summary: 'OpenAI Responses API with memory, over a Chat Completions upstream',
          description:
            'Takes a Responses request (`input` items, `instructions`, `previous_response_id` or `conversation`, `store`, function `tools`, `tool_choice`, `temperature`, `top_p`, `max_output_tokens`, `metadata`, `stream`); sends one chat completion upstream with the instructions, the history (the conversation, or the chain ending at `previous_response_id`, windowed to the token budget) and the input; answers a Response object, or with `stream: true` the Responses event stream. Once the reply is complete, stores the input and the reply (unless `store: false`). A `previous_response_id` that is not the newest of its conversation forks it. Fields it cannot honour (hosted tools, `background: true`…) are refused with 400 naming them. The header X-Conversation-Id of the answer names the conversation the response is stored in, percent-encoded as a path segment of /v1/conversations/{id}.',
          tags,
          body: { type: 'object', description: 'An OpenAI Responses API request.' },
          response: {
            200: {
              description: 'The Response object, or the event stream.',
              content: { 'application/json': { schema: responseSchema }, 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errorResponses,
          },
        }),
      },
      async (request, reply) => {
        const parsed = readResponsesRequest(request.body);
        const split = splitMessages(parsed.messages);
        const plan = await planOf(parsed);
        let handedOver = false;
        try {
          const exchange = readExchange(split.conversation, plan.history);
          const { messages: prompt, leftOut } = promptMessages(split.instructions, exchange, options.contextTokens, options.countTokens);
          // Everything the input says is new: a Responses request never resends the history.
          const input = exchange.conversation.map((message) => turnOfMessage(message).turn);
          const id = newResponseId(plan.conversationId);
          const key = partsOfResponseId(id)!.key;
          const { tools: _tools, ...echo } = parsed.echo;
          const createdAt = Math.floor(Date.now() / 1000);
          const record = (model: unknown, usage: JsonValue, finishReason?: unknown): ResponseRecord => ({
            id,
            created_at: createdAt,
            model: (typeof model === 'string' ? model : (parsed.model ?? null)) as JsonValue,
            usage,
            previous_response_id: parsed.previousResponseId ?? null,
            named_conversation: parsed.conversation !== undefined,
            instructions: parsed.instructions,
            metadata: parsed.metadata,
            echo: echo as Record<string, JsonValue>,
            input_turns: input.length,
            incomplete_reason: incompleteReasonOf(finishReason),
          });
          const objectOf = (rec: ResponseRecord, status: 'in_progress' | 'completed', output: Array<Record<string, unknown>>) =>
            responseObject({
              record: rec,
              conversationId: plan.conversationId,
              store: parsed.store,
              status,
              output,
              tools: (parsed.echo.tools ?? []) as JsonValue,
            });

          /** Stores a complete reply, unless told not to or it cannot be a turn. */
          const keep = async (rec: ResponseRecord, chatReply: ChatReply): Promise<void> => {
            if (!parsed.store) return;
            if (chatReply.unstorable !== undefined) {
              request.log.info({ reqId: request.id }, `responses: the reply was answered but not stored: ${chatReply.unstorable}`);
              return;
            }
            const turns = responseTurns(rec, input, chatReply);
            await remember(store, plan.conversationId, [...plan.seed, ...turns], request.log, request.id);
            if (summaries?.due(turnsHeld(plan.history) + turns.length, leftOut))
              summaries.afterReply(reply.raw, plan.conversationId, parsed.model, request.log, request.id);
          };

          const call = new UpstreamCall(options.upstreamTimeoutMs);
          reply.raw.once('close', () => {
            if (!reply.raw.writableFinished) call.stop('client-gone');
          });
          const body: Record<string, unknown> = { model: parsed.model, messages: prompt, ...parsed.upstream };
          if (parsed.stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
          const response = await call.postUnlessGone(options.completionsUrl, body, upstreamHeaders);
          if (!response) return abandon(reply);
          // Percent-encoded, as one path segment of /v1/conversations/{id}: header values are ASCII.
          if (parsed.store) void reply.header('x-conversation-id', encodeURIComponent(plan.conversationId));
          const contentType = response.headers.get('content-type') ?? '';
          if (response.ok && /^text\/event-stream\b/i.test(contentType)) {
            handedOver = true;
            return relayStream(response, call);
          }

          const payload = await call.readAllUnlessGone(response);
          if (!payload) return abandon(reply);
          const completion = jsonOf(payload);
          if (completion === undefined) throw notJsonError(response, contentType, payload);
          if (!response.ok) return sendJson(reply, upstreamErrorBody(completion, response.status), response.status);
          const chatReply = replyOfCompletion(completion);
          if (!chatReply)
            throw new HttpError(
              'TURNSTORE_UPSTREAM_UNAVAILABLE',
              'The upstream answered JSON that is not a chat completion (no choices[0].message).',
              {
                cause: new Error(`The upstream's body began: ${payload.toString('utf8', 0, 300)}`),
              },
            );
          const { model, usage } = completion as { model?: unknown; usage?: unknown };
          const rec = record(model, usageOf(usage), firstChoice(completion)?.finish_reason);
          await keep(rec, chatReply);
          const final = objectOf(rec, 'completed', outputItems(key, chatReply));
          if (!parsed.stream) return sendJson(reply, final);
          // Asked to stream, answered whole: the same events, from one chunk holding the whole reply.
          handedOver = true;
          return streamOut((events) => {
            events.start(objectOf(record(parsed.model, null), 'in_progress', []));
            events.chunk({ choices: [{ index: 0, delta: { content: chatReply.text, tool_calls: asDeltas(chatReply) } }] });
            events.finish();
            events.completed(final);
            return Promise.resolve();
          });

          /** Writes the event stream that `write` produces; a failure ends it with an `error` event. */
          function streamOut(write: (events: ResponseEvents) => Promise<void>): FastifyReply {
            const out = new PassThrough();
            const events = new ResponseEvents(key, (text) => out.write(text));
            void (async () => {
              try {
                await write(events);
                out.end();
              } catch (error) {
                if (error instanceof ClientGoneError) {
                  out.destroy();
                  return;
                }
                request.log.warn({ err: error, reqId: request.id }, 'responses: the upstream stream failed; nothing stored');
                const known = error instanceof HttpError;
                events.failed(known ? error.code : 'TURNSTORE_UPSTREAM_UNAVAILABLE', known ? error.message : 'The upstream stream failed.');
                out.end();
              } finally {
                plan.release();
              }
            })();
            return reply
              .code(200)
              .header('content-type', 'text/event-stream; charset=utf-8')
              .header('cache-control', 'no-cache')
              .header('x-accel-buffering', 'no')
              .send(out);
          }

          function relayStream(upstream: Response, upstreamCall: UpstreamCall): FastifyReply {
            return streamOut(async (events) => {
              let model: unknown;
              let usage: unknown;
              let finishReason: unknown;
              events.start(objectOf(record(parsed.model, null), 'in_progress', []));
              const reader = new ChatStreamReader((chunk) => {
                events.chunk(chunk);
                const fields = chunk as { model?: unknown; usage?: unknown };
                if (typeof fields.model === 'string') model = fields.model;
                if (fields.usage) usage = fields.usage;
                const finish = firstChoice(chunk)?.finish_reason;
                if (typeof finish === 'string' && finish !== '') finishReason = finish;
              });
              await upstreamCall.forEachPiece(upstream, (piece) => reader.push(piece));
              reader.end();
              if (upstreamCall.stopped === 'client-gone') throw new ClientGoneError(undefined);
              if (!reader.complete)
                throw new HttpError('TURNSTORE_UPSTREAM_UNAVAILABLE', 'The upstream ended its stream before the reply was complete.');
              events.finish();
              const rec = record(model, usageOf(usage), finishReason);
              await keep(rec, reader.reply);
              events.completed(objectOf(rec, 'completed', outputItems(key, reader.reply)));
            });
          }
        } finally {
          if (!handedOver) plan.release();
        }
      },
    );

    scope.get(
      '/responses/:id',
      {
        schema: routeSchema({
          summary: 'A stored response',
          description:
            'The Response object, rebuilt from its turns (its request’s `tools` are not kept: `tools` is empty). 404 once any of its turns is gone.',
          tags,
          params: idParams,
          response: { 200: responseSchema, ...errorResponses },
        }),
      },
      async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const { parts, found } = await lookUp(request.params.id);
        const reply_: ReplyContent = { text: found.reply.content, toolCalls: found.reply.toolCalls ?? [] };
        return sendJson(
          reply,
          responseObject({
            record: found.record,
            conversationId: parts.conversationId,
            store: true,
            status: 'completed',
            output: outputItems(parts.key, reply_),
            tools: [],
          }),
        );
      },
    );

    scope.delete(
      '/responses/:id',
      {
        schema: routeSchema({
          summary: 'Delete a stored response',
          description:
            'Removes the response’s turns (its input and its reply) from its conversation; the turns after it stay, in their order. Responses after it no longer have it in their history.',
          tags,
          params: idParams,
          response: { 200: responseSchema, ...errorResponses },
        }),
      },
      async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
        const parts = partsOfResponseId(request.params.id);
        if (!parts) throw notFound(request.params.id);
        const release = await locks.acquire(parts.conversationId);
        try {
          const { turns, found } = await lookUp(request.params.id);
          const first = found.replyIndex - found.input.length;
          await store.appendMany(parts.conversationId, turns.slice(found.replyIndex + 1).map(withoutTs), {
            replaceNewest: turns.length - first,
          });
        } finally {
          release();
        }
        return sendJson(reply, { id: request.params.id, object: 'response.deleted', deleted: true });
      },
    );

    scope.get(
      '/responses/:id/input_items',
      {
        schema: routeSchema({
          summary: 'The input items of a stored response',
          description:
            'The items of its input (messages, function calls, function call outputs), rebuilt from its turns: a list with `order` (`desc`, the default, or `asc`), `limit` (1 to 100, default 20) and `after` (an item id).',
          tags,
          params: idParams,
          querystring: {
            type: 'object',
            properties: {
              order: { type: 'string', enum: ['asc', 'desc'] },
              limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
              after: { type: 'string' },
            },
          },
          response: { 200: { type: 'object', description: 'A list of input items.' }, ...errorResponses },
        }),
      },
      async (
        request: FastifyRequest<{ Params: { id: string }; Querystring: { order?: string; limit?: string; after?: string } }>,
        reply,
      ) => {
        const { parts, found } = await lookUp(request.params.id);
        const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
        if (limit < 1 || limit > 100)
          throw new HttpError('TURNSTORE_BAD_REQUEST', 'limit must be an integer from 1 to 100.', { param: 'limit' });
        let items = inputItems(parts, found.input);
        if (request.query.order !== 'asc') items.reverse();
        if (request.query.after !== undefined) {
          const at = items.findIndex((item) => item.id === request.query.after);
          items = at < 0 ? [] : items.slice(at + 1);
        }
        const data = items.slice(0, limit);
        return sendJson(reply, {
          object: 'list',
          data,
          first_id: data[0]?.id ?? null,
          last_id: data.at(-1)?.id ?? null,
          has_more: items.length > limit,
        });
      },
    );
  });
}

/** A reply's calls as one chunk's `tool_calls` deltas. */
function asDeltas(reply: ChatReply): object[] {
  return reply.toolCalls.map((call, index) => ({
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
}

/** An upstream's JSON error, in OpenAI's shape (its own fields kept when it has them). */
function upstreamErrorBody(body: unknown, status: number): object {
  const error = (body as { error?: unknown } | null)?.error;
  const fields = error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  return {
    error: {
      message: typeof fields.message === 'string' ? fields.message : `The upstream answered ${status}.`,
      type: typeof fields.type === 'string' ? fields.type : status >= 500 ? 'server_error' : 'invalid_request_error',
      param: typeof fields.param === 'string' ? fields.param : null,
      code: typeof fields.code === 'string' ? fields.code : null,
    },
  };
}
