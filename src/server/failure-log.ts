/**
 * How the service logs a request it failed (a 5xx: its own fault, never the client's). Unless
 * requests themselves are logged (levels debug and trace), the service runs Fastify without its
 * logger: on every request, even with nothing to log, the logger cost about a tenth of the
 * service's CPU time (measured over real sockets with bench/service). Failures are then written
 * here, as one JSON line in pino's shape, so the log reads the same at every level.
 */
import type { FastifyRequest } from 'fastify';
import type { LogLevel } from './log-levels.js';

/** Logs one failed request with its error. */
export type FailureLog = (request: FastifyRequest, error: unknown) => void;

/** pino's numeric value of the `error` level. */
const ERROR_LEVEL = 50;

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as Error & { code?: unknown }).code;
  return { type: error.name, message: error.message, stack: error.stack, ...(code === undefined ? {} : { code }) };
}

/**
 * The failure log for `logLevel`: pino's request logger when Fastify has one (`requestLogger`),
 * else JSON lines through `write` (stdout by default); nothing at `fatal` and `silent`.
 */
export function failureLog(logLevel: LogLevel, requestLogger: boolean, write: (line: string) => void = (line) => void process.stdout.write(line)): FailureLog {
  if (logLevel === 'fatal' || logLevel === 'silent') return () => undefined;
  if (requestLogger) return (request, error) => request.log.error({ err: error }, 'request failed');
  return (request, error) => {
    const line = { level: ERROR_LEVEL, time: Date.now(), pid: process.pid, reqId: request.id, req: { method: request.method, url: request.url }, err: serializeError(error), msg: 'request failed' };
    write(`${JSON.stringify(line)}\n`);
  };
}
