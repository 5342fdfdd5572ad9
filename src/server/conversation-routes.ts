/** The /v1 routes: conversations and stats, each a thin translation of one store call. */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ConversationStore, ListOptions, TurnExtras, TurnInput } from '../core/types.js';
import { HttpError } from './http-errors.js';
import {
  appendBody,
  appendResponse,
  conversationResponse,
  errorResponses,
  idParams,
  listQuery,
  listResponse,
  popResponse,
  routeSchema,
  statsResponse,
} from './schemas.js';

interface IdRoute {
  Params: { id: string };
}
interface AppendRoute {
  Params: { id: string };
  Body: TurnInput | { turns: TurnInput[]; replaceNewest?: number };
}
interface ListRoute {
  Querystring: { limit?: number; cursor?: string };
}

const tags = ['conversations'];

/**
 * Query values arrive as strings; the validator does not coerce types (it would turn a JSON
 * `"content": 5` into `"5"`), so the list route turns a plain decimal `limit` into a number itself
 * and leaves anything else for the schema to refuse.
 */
function numericLimit(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const query = request.query as Record<string, unknown>;
  if (typeof query.limit === 'string' && /^[0-9]{1,9}$/.test(query.limit)) query.limit = Number(query.limit);
  done();
}

/**
 * The fields of a one-turn body beside role and content, for `append`'s fourth argument; none for a
 * plain turn, the common case, which then costs no object to build or check. The schema has closed
 * the body, so what is left after role and content are extra fields, which the store checks.
 */
function extrasOf(body: TurnInput): TurnExtras | undefined {
  if (body.toolCalls === undefined && body.toolCallId === undefined && body.attachments === undefined && body.metadata === undefined)
    return undefined;
  const { role: _role, content: _content, ...extra } = body;
  return extra;
}

/**
 * Registers the /v1 routes of `store` on `app`, each guarded by `requireToken` when given. The
 * routes sit in `app`'s own scope, not in a plugin with a /v1 prefix: over real sockets an
 * encapsulated scope cost about 8 µs of CPU per request (bench/service), a fifth of a bare route.
 */
export function registerConversationRoutes(
  app: FastifyInstance,
  store: ConversationStore,
  requireToken: onRequestHookHandler | undefined,
): void {
  const guard = requireToken ? { onRequest: requireToken } : {};
  app.get<ListRoute>(
    '/v1/conversations',
    {
      ...guard,
      schema: routeSchema({
        summary: 'List live conversations, most recently used first',
        tags,
        querystring: listQuery,
        response: { 200: listResponse, ...errorResponses },
      }),
      preValidation: numericLimit,
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const options: { -readonly [K in keyof ListOptions]: ListOptions[K] } = {};
      if (limit !== undefined) options.limit = limit;
      if (cursor !== undefined) options.cursor = cursor;
      return store.list(options);
    },
  );

  app.get<IdRoute>(
    '/v1/conversations/:id',
    {
      ...guard,
      schema: routeSchema({
        summary: 'The turns of a conversation, oldest first',
        description:
          "An unknown or expired id answers 200 with no turns, as the store does. A hit refreshes the conversation's recency and TTL.",
        tags,
        params: idParams,
        response: { 200: conversationResponse, ...errorResponses },
      }),
    },
    async (request) => {
      const { id } = request.params;
      return { id, turns: await store.get(id) };
    },
  );

  app.post<AppendRoute>(
    '/v1/conversations/:id/turns',
    {
      ...guard,
      schema: routeSchema({
        summary: 'Append one turn, or several all or nothing',
        tags,
        params: idParams,
        body: appendBody,
        response: { 201: { ...appendResponse, description: 'Stored.' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      let appended: number;
      if ('turns' in body) {
        const { replaceNewest } = body;
        await (replaceNewest === undefined ? store.appendMany(id, body.turns) : store.appendMany(id, body.turns, { replaceNewest }));
        appended = body.turns.length;
      } else {
        await store.append(id, body.role, body.content, extrasOf(body));
        appended = 1;
      }
      void reply.code(201).header('location', `/v1/conversations/${encodeURIComponent(id)}`);
      return { id, appended };
    },
  );

  app.delete<IdRoute>(
    '/v1/conversations/:id/turns/last',
    {
      ...guard,
      schema: routeSchema({
        summary: 'Remove the newest turn and return it',
        description:
          "Atomically, as the store's pop: the conversation's recency and TTL are refreshed, and a conversation left with no turn is gone, as if deleted. An unknown or expired id answers 404.",
        tags,
        params: idParams,
        response: { 200: popResponse, ...errorResponses },
      }),
    },
    async (request) => {
      const { id } = request.params;
      const turn = await store.pop(id);
      if (turn === undefined) throw new HttpError('TURNSTORE_NOT_FOUND', `No live conversation ${JSON.stringify(id)}.`);
      return { id, turn };
    },
  );

  app.delete<IdRoute>(
    '/v1/conversations/:id',
    {
      ...guard,
      schema: routeSchema({
        summary: 'Delete a conversation',
        tags,
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await store.delete(id))) throw new HttpError('TURNSTORE_NOT_FOUND', `No live conversation ${JSON.stringify(id)}.`);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/stats',
    {
      ...guard,
      schema: routeSchema({
        summary: 'What the store holds and has evicted',
        tags: ['service'],
        response: { 200: statsResponse, ...errorResponses },
      }),
    },
    async () => store.stats(),
  );
}
