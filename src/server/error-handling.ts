/**
 * Every way a request can fail ends in the same body, `{"error": {"code", "message"}}`: errors of
 * the routes and of the store, Fastify's own (bad JSON, schema, size, media type, unknown route,
 * malformed URL) and even unparseable HTTP caught before Fastify sees a request.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { MAX_ID_LENGTH } from '../core/validate.js';
import { afterUnreadBody } from './drain-refused-body.js';
import type { FailureLog } from './failure-log.js';
import { classifyError, errorBody, HttpError, type ErrorReply } from './http-errors.js';

/** One error of the schema validator (ajv), as far as messages need it. */
interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

function describeSchemaError(error: SchemaError, part: string): string {
  const where = `${part}${error.instancePath}`;
  switch (error.keyword) {
    case 'enum':
      return `${where} must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
    case 'additionalProperties':
      return `${where} has an unknown field ${JSON.stringify(error.params.additionalProperty)}`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}

/**
 * Fastify's `schemaErrorFormatter`: one readable sentence naming the offending field. The `if`
 * of the append body's if/then/else only repeats the real error after it, so it is left out.
 */
export const schemaErrorFormatter: NonNullable<FastifyServerOptions['schemaErrorFormatter']> = (errors, part) => {
  const useful = (errors as SchemaError[]).filter((error) => error.keyword !== 'if');
  const message = (useful.length > 0 ? useful : (errors as SchemaError[])).map((error) => describeSchemaError(error, part)).join('; ');
  return new Error(`${message}.`);
};

/**
 * The path the router matches for a request target: an absolute-form target (`http://host/v1/…`)
 * by its path, without the query, and with every %XX escape decoded byte by byte. The router
 * decodes `/%761/stats` to `/v1/stats`, so the /v1 test must see what it sees; a byte-wise decode
 * never fails on an escape that is not UTF-8 and is exact for the ASCII that "/v1" is made of.
 */
function routedPath(url: string): string {
  let path = url;
  if (!path.startsWith('/')) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (scheme !== null) path = path.slice(scheme[0].length);
  }
  const query = path.search(/[?#]/);
  if (query >= 0) path = path.slice(0, query);
  return path.replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `url` without its query: the path as the client wrote it, for messages. */
const pathOf = (url: string): string => {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

/** Whether `url` is under /v1, where the token is needed. */
function underV1(url: string): boolean {
  const path = routedPath(url);
  return path === '/v1' || path.startsWith('/v1/');
}

/** A check of the `Authorization` header, or undefined when the server has no token. */
export type TokenCheck = ((authorization: string | undefined) => boolean) | undefined;

/** Whether `request` is to /v1 without the token the server needs. */
function lacksToken(request: FastifyRequest, checkToken: TokenCheck): boolean {
  return checkToken !== undefined && underV1(request.url) && !checkToken(request.headers.authorization);
}

/**
 * Fastify's `frameworkErrors`, for URLs the router cannot even take apart: a path segment that is
 * not valid percent-encoded UTF-8, or one longer than the router accepts. In a conversation URL
 * that segment is the id, so the answer is `TURNSTORE_INVALID_ID`. Under /v1 without the token
 * the answer is 401 first, as for every other /v1 request.
 */
export function frameworkErrorsFor(checkToken: TokenCheck): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (error, request, reply) => {
    const refused = lacksToken(request as FastifyRequest, checkToken);
    const inConversation = routedPath(request.url).startsWith('/v1/conversations/');
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const message = tooLong
      ? `Conversation id must be a string of 1 to ${MAX_ID_LENGTH} characters; the URL has a longer one.`
      : 'The URL is not valid percent-encoded UTF-8.';
    const answer = refused
      ? classifyError(unauthorized())
      : { code: inConversation ? ('TURNSTORE_INVALID_ID' as const) : ('TURNSTORE_BAD_REQUEST' as const), message, status: 400 };
    if (refused) void (reply as FastifyReply).header('www-authenticate', AUTHENTICATE);
    void (reply as FastifyReply).code(answer.status).type('application/json; charset=utf-8').send(errorBody(answer));
  };
}

/**
 * Node's `clientError`: bytes that are not HTTP at all, or headers past Node's size limit. There is
 * no request to hand to Fastify, so the response is written to the socket directly, then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const message =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request headers are too large.'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'The request was not received in time.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify(errorBody({ code: 'TURNSTORE_BAD_REQUEST', message }));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The server's `connect` listener. Node closes the connection of a CONNECT request without a word
 * when nobody listens; this service is no proxy, and says so in its one error shape.
 */
export function refuseConnect(_request: unknown, socket: Socket): void {
  const body = JSON.stringify(
    errorBody({ code: 'TURNSTORE_BAD_REQUEST', message: 'CONNECT is not supported: this service is not a proxy.' }),
  );
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The `WWW-Authenticate` value of every 401. */
const AUTHENTICATE = 'Bearer realm="turnstore"';

/**
 * The answer to a request no route matched: 401 under /v1 without the token (so routes cannot be
 * probed without it), 404 otherwise.
 */
function unrouted(request: FastifyRequest, checkToken: TokenCheck): HttpError {
  if (lacksToken(request, checkToken)) return unauthorized();
  return new HttpError('TURNSTORE_NOT_FOUND', `No route ${request.method} ${pathOf(request.url)}.`);
}

/**
 * Installs the error handler and the not-found handler on `app`. `checkToken` is the bearer check
 * of the /v1 routes, when the server has a token. `logFailure` gets the 5xx.
 *
 * A request no route matched is refused in an onRequest hook, before its body is read: Fastify
 * treats the not-found handler as a route, so it would otherwise read and parse the body first,
 * and answer for it (400 for bad JSON, 413 for a large body) before the token was checked. The
 * error handler then discards the body, within bounds (drain-refused-body.ts).
 */
export function installErrorHandlers(app: FastifyInstance, checkToken: TokenCheck, logFailure: FailureLog): void {
  app.setErrorHandler(errorHandlerFor(logFailure));

  app.addHook('onRequest', (request, _reply, done) => {
    if (request.is404) done(unrouted(request, checkToken));
    else done();
  });
  // Reached only through reply.callNotFound(), which nothing calls today; the same answer.
  app.setNotFoundHandler((request, reply) => void reply.send(unrouted(request, checkToken)));
}

/**
 * An error handler answering every error as {@link classifyError} classifies it, with the body
 * `bodyOf` makes (the service's own shape unless told); 5xx go to `logFailure`.
 */
export function errorHandlerFor(
  logFailure: FailureLog,
  bodyOf: (answer: ErrorReply, error: unknown) => object = errorBody,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const answer = classifyError(error);
    if (answer.status >= 500) logFailure(request, error);
    if (answer.status === 401) void reply.header('www-authenticate', AUTHENTICATE);
    // Stores reconnect by themselves (SPEC §5); a short pause is the useful hint to a client.
    if (answer.status === 503) void reply.header('retry-after', '1');
    afterUnreadBody(
      request,
      reply,
      () => void reply.code(answer.status).type('application/json; charset=utf-8').send(bodyOf(answer, error)),
    );
  };
}

/** The error of a /v1 request without the right token. */
export function unauthorized(): HttpError {
  return new HttpError(
    'TURNSTORE_UNAUTHORIZED',
    'This service needs "Authorization: Bearer <token>" with the token it was started with (TURNSTORE_TOKEN).',
  );
}
