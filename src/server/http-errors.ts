/**
 * The error vocabulary of the HTTP service: the codes only HTTP clients see (malformed requests,
 * missing tokens, unknown routes), the status every code is answered with, and the one body shape
 * `{"error": {"code", "message"}}`. docs/errors.md has a table a test keeps in step with this file.
 */
import { isTurnstoreError, type TurnstoreErrorCode } from '../core/errors.js';

/** Codes of the HTTP service, beside the store's codes of `ERROR_CODES`; each with its status and meaning. */
export const HTTP_ERROR_CODES = {
  TURNSTORE_BAD_REQUEST: {
    status: 400,
    meaning:
      'The request is not well-formed: a body that is not valid JSON or is nested too deep, a malformed URL, or bytes that are not valid HTTP.',
  },
  TURNSTORE_UNAUTHORIZED: {
    status: 401,
    meaning: 'The service has a token (TURNSTORE_TOKEN) and the request to /v1 lacks "Authorization: Bearer <token>" with it.',
  },
  TURNSTORE_NOT_FOUND: { status: 404, meaning: 'No such route, or DELETE of a conversation that is not live.' },
  TURNSTORE_PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The request body is larger than the service accepts (its bodyLimit).' },
  TURNSTORE_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'A request body that is not application/json.' },
  TURNSTORE_INTERNAL_ERROR: {
    status: 500,
    meaning: 'An unexpected failure inside the service; the details are in its log, never in the response.',
  },
  TURNSTORE_CONTEXT_TOO_LARGE: {
    status: 413,
    meaning: "Memory proxy: the request's own messages need more tokens than the proxy may send upstream (contextTokens).",
  },
  TURNSTORE_UPSTREAM_UNAVAILABLE: {
    status: 502,
    meaning:
      'Memory proxy: the upstream could not be reached, failed before its answer was complete, or answered an error without a JSON body.',
  },
  TURNSTORE_UPSTREAM_TIMEOUT: { status: 504, meaning: 'Memory proxy: the upstream sent nothing for upstreamTimeoutMs.' },
  TURNSTORE_UNSUPPORTED_PARAMETER: {
    status: 400,
    meaning:
      'Responses API: a request field the proxy cannot honour over a Chat Completions upstream (a hosted tool such as web_search, background: true, an input item or content part it cannot send); `param` names it.',
  },
} as const;

/** One of the HTTP-only codes of {@link HTTP_ERROR_CODES}. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

/** The status each store error code is answered with. */
export const STORE_CODE_STATUS: Readonly<Record<TurnstoreErrorCode, number>> = {
  TURNSTORE_INVALID_OPTION: 400,
  TURNSTORE_INVALID_ID: 400,
  TURNSTORE_INVALID_TURN: 400,
  TURNSTORE_TURN_TOO_LARGE: 413,
  // A store closes while the service shuts down: the request may be retried on another instance.
  TURNSTORE_CLOSED: 503,
  TURNSTORE_BACKEND_UNAVAILABLE: 503,
  // No route compacts today; a conflict is the client's to retry after reading again.
  TURNSTORE_CONFLICT: 409,
  TURNSTORE_MISSING_PEER: 500,
  TURNSTORE_PEER_LOAD_FAILED: 500,
};

/** Any code an HTTP client may see. */
export type ServiceErrorCode = TurnstoreErrorCode | HttpErrorCode;

/** An error answered with a given status and code; thrown by the service's own checks. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ServiceErrorCode;
  /** The request field at fault, when one is (the Responses API routes answer it as `error.param`). */
  readonly param: string | undefined;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown; param?: string }) {
    super(message, options);
    this.name = 'HttpError';
    this.code = code;
    this.statusCode = HTTP_ERROR_CODES[code].status;
    this.param = options?.param;
  }
}

/** What an error response carries: status, code and a message safe to show a client. */
export interface ErrorReply {
  readonly status: number;
  readonly code: ServiceErrorCode;
  readonly message: string;
}

/** The body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

// Messages can echo client input (a URL, a field name); a bounded length keeps responses and
// logs small whatever was sent.
const MAX_MESSAGE_LENGTH = 300;

/** `message` cut to a bounded length. */
export function boundedMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

/** The response body for an {@link ErrorReply}. */
export function errorBody(reply: Pick<ErrorReply, 'code' | 'message'>): ErrorBody {
  return { error: { code: reply.code, message: boundedMessage(reply.message) } };
}

/** The HTTP-only code that stands for a 4xx status of Fastify's own errors. */
function codeForClientStatus(status: number): HttpErrorCode {
  switch (status) {
    case 401:
      return 'TURNSTORE_UNAUTHORIZED';
    case 404:
      return 'TURNSTORE_NOT_FOUND';
    case 413:
      return 'TURNSTORE_PAYLOAD_TOO_LARGE';
    case 415:
      return 'TURNSTORE_UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'TURNSTORE_BAD_REQUEST';
  }
}

/** Where a schema violation was found, as Fastify names it. */
type ValidationContext = 'body' | 'params' | 'querystring' | 'headers';

/**
 * A schema violation gets the code the store would have used for the same mistake, so HTTP and
 * library users match on the same codes: a bad id in the path is `TURNSTORE_INVALID_ID`, a bad
 * turn body `TURNSTORE_INVALID_TURN`, a bad `limit` or `cursor` `TURNSTORE_INVALID_OPTION`.
 */
const VALIDATION_CODES: Record<ValidationContext, ServiceErrorCode> = {
  params: 'TURNSTORE_INVALID_ID',
  body: 'TURNSTORE_INVALID_TURN',
  querystring: 'TURNSTORE_INVALID_OPTION',
  headers: 'TURNSTORE_BAD_REQUEST',
};

/** Fields of a body that are options of the store call, not parts of a turn (`replaceNewest`), as ajv paths. */
const BODY_OPTION_PATHS: readonly string[] = ['/replaceNewest'];

/**
 * Whether a schema violation is about an option carried in the body alone: then it gets the code
 * the store gives a bad option. Fastify keeps ajv's errors in `validation`; the `if` of the append
 * body's if/then/else only repeats the real error.
 */
function optionOfBody(error: Error): boolean {
  const { validation, validationContext } = error as Error & { validation?: unknown; validationContext?: unknown };
  if (validationContext !== 'body' || !Array.isArray(validation)) return false;
  const real = (validation as Array<{ keyword?: unknown; instancePath?: unknown }>).filter((found) => found.keyword !== 'if');
  return real.length > 0 && real.every((found) => BODY_OPTION_PATHS.includes(found.instancePath as string));
}

/**
 * Classifies any error raised while serving a request. Bad input of any kind is a 4xx; only an
 * error nobody anticipated becomes `TURNSTORE_INTERNAL_ERROR` (500), whose message says nothing
 * about its cause: the cause goes to the log.
 */
export function classifyError(error: unknown): ErrorReply {
  if (isTurnstoreError(error)) {
    const status = STORE_CODE_STATUS[error.code];
    // MISSING_PEER cannot come from a request: it is a fault of the installation.
    return status === 500 ? internal() : { status, code: error.code, message: error.message };
  }
  if (error instanceof HttpError) return { status: error.statusCode, code: error.code, message: error.message };
  if (error instanceof Error) {
    const { statusCode, validationContext } = error as Error & { statusCode?: unknown; validationContext?: ValidationContext };
    if (validationContext !== undefined && Object.hasOwn(VALIDATION_CODES, validationContext)) {
      return {
        status: 400,
        code: optionOfBody(error) ? 'TURNSTORE_INVALID_OPTION' : VALIDATION_CODES[validationContext],
        message: error.message,
      };
    }
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const code = codeForClientStatus(statusCode);
      return { status: HTTP_ERROR_CODES[code].status, code, message: error.message };
    }
  }
  return internal();
}

function internal(): ErrorReply {
  return { status: 500, code: 'TURNSTORE_INTERNAL_ERROR', message: 'The service failed unexpectedly; see its log.' };
}
