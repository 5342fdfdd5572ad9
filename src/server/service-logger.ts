/**
 * The logger of the service when requests are not logged (every level but debug and trace): JSON
 * lines in pino's shape (`{"level":50,"time":…,"msg":…}`), so the log reads the same at every
 * level, and a `child()` that returns the logger itself. Fastify asks for a child logger on every
 * request; pino builds one each time, which cost about a tenth of the service's CPU per request
 * over real sockets (bench/service) for lines that, at these levels, are never written. Lines that
 * name a request carry its id themselves.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { LogLevel } from './log-levels.js';

/** pino's numeric levels. */
const LEVEL_VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

type Method = keyof typeof LEVEL_VALUES;

/** Most causes followed from one error. */
const MAX_CAUSES = 8;

/** `error` and its causes, outermost first, each once. */
function causeChain(error: Error): Error[] {
  const chain: Error[] = [error];
  for (let cause = error.cause; cause instanceof Error && chain.length < MAX_CAUSES && !chain.includes(cause); cause = cause.cause)
    chain.push(cause);
  return chain;
}

/** An error's own message; an AggregateError without one (every address of a host refused) by the messages of its errors. */
function ownMessage(error: Error): string {
  if (error.message === '' && error instanceof AggregateError)
    return (error.errors as unknown[]).map((inner) => (inner instanceof Error ? inner.message : String(inner))).join('; ');
  return error.message;
}

/**
 * An error as pino's serializer writes it: its message followed by its causes' (`The upstream could
 * not be reached…: fetch failed: connect ECONNREFUSED 127.0.0.1:11434`), its stack followed by
 * theirs, each after `caused by: `. A service error often only points at its cause (a 502 says
 * "the service's log says why"), so the cause must be in the line.
 */
function serializeError(error: Error): Record<string, unknown> {
  const code = (error as Error & { code?: unknown }).code;
  const chain = causeChain(error);
  return {
    type: error.name,
    message: chain
      .map(ownMessage)
      .filter((message) => message !== '')
      .join(': '),
    stack: chain.map((link) => link.stack ?? `${link.name}: ${ownMessage(link)}`).join('\ncaused by: '),
    ...(code === undefined ? {} : { code }),
  };
}

/** The fields of a log call's first argument, errors serialized as pino does. */
function fieldsOf(value: unknown): Record<string, unknown> {
  if (value instanceof Error) return { err: serializeError(value) };
  if (value === null || typeof value !== 'object') return {};
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) fields[key] = field instanceof Error ? serializeError(field) : field;
  return fields;
}

/**
 * A logger writing the lines at `level` or above through `write` (stdout by default); `silent`
 * writes nothing.
 */
export function serviceLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => void process.stdout.write(line),
): FastifyBaseLogger {
  let threshold = Infinity;
  const method = (name: Method) => {
    const value = LEVEL_VALUES[name];
    if (value < threshold) return () => undefined;
    return (first?: unknown, second?: unknown) => {
      const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : undefined;
      const line = { level: value, time: Date.now(), pid: process.pid, ...fieldsOf(first), ...(msg === undefined ? {} : { msg }) };
      write(`${JSON.stringify(line)}\n`);
    };
  };
  const logger = {
    silent: () => undefined,
    child: () => logger,
  } as Record<string, unknown>;
  let current: LogLevel = level;
  // Like pino's, the level can be changed on the fly (the CLI quiets Fastify while it listens).
  const setLevel = (next: LogLevel) => {
    current = next;
    threshold = next === 'silent' ? Infinity : LEVEL_VALUES[next];
    for (const name of Object.keys(LEVEL_VALUES) as Method[]) logger[name] = method(name);
  };
  Object.defineProperty(logger, 'level', { get: () => current, set: setLevel, enumerable: true });
  setLevel(level);
  return logger as unknown as FastifyBaseLogger;
}
