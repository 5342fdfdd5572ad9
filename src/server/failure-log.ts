/** How the service logs a request it failed (a 5xx: its own fault, never the client's). */
import type { FastifyRequest } from 'fastify';

/** Logs one failed request with its error. */
export type FailureLog = (request: FastifyRequest, error: unknown) => void;

/**
 * The failure log: an `error` line through the request's logger. When requests are logged, that
 * logger is pino's child for the request, which names it already; otherwise it is the service's
 * own logger (service-logger.ts), and the line names the request itself.
 */
export function failureLog(requestsLogged: boolean): FailureLog {
  if (requestsLogged) return (request, error) => request.log.error({ err: error }, 'request failed');
  return (request, error) =>
    request.log.error({ err: error, reqId: request.id, req: { method: request.method, url: request.url } }, 'request failed');
}
