/**
 * JSON schemas of every request part and response of the service. Fastify validates requests and
 * serializes responses with them, and /openapi.json is generated from them, so the documentation
 * cannot drift from what the service does.
 *
 * A turn's body is checked in two steps. The schema closes its JSON shape: each field's JSON type,
 * the required fields, no unknown ones, so a mistake of shape is named by its JSON path
 * (`body/turns/0/toolCalls/0/arguments must be string`). The rules on the values (a call id or
 * tool name of 1 to 256 UTF-16 code units, which role may carry `toolCalls` or `toolCallId`, the
 * URL schemes, the media type, metadata at most 32 levels deep, well-formed UTF-16, the byte
 * limit) are the store's (src/core/turn-extras.ts), so HTTP and library callers get the same
 * check and the same message (`turns[0].toolCalls[0].id must be a string of 1 to 256 …`). The
 * schema repeats none of them: ajv counts string lengths in code points, not UTF-16 units, and a
 * `pattern` failure only quotes the regular expression.
 */
import type { FastifySchema } from 'fastify';
import { MAX_METADATA_DEPTH, MAX_TOOL_NAME_LENGTH } from '../core/turn-extras.js';
import { ROLES } from '../core/types.js';
import { MAX_ID_LENGTH, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT } from '../core/validate.js';
import type { RouteDocumentation } from './openapi.js';

/** A route's schema with the documentation fields /openapi.json reads beside Fastify's own. */
export const routeSchema = (schema: RouteDocumentation): FastifySchema => schema as FastifySchema;

const role = { type: 'string', enum: [...ROLES], description: 'Who spoke.' } as const;

/** The `{id}` path parameter. */
export const idParams = {
  type: 'object',
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_ID_LENGTH,
      description: `Conversation id: any string of 1 to ${MAX_ID_LENGTH} UTF-16 code units, percent-encoded as one path segment (a/b is a%2Fb).`,
    },
  },
  required: ['id'],
  additionalProperties: false,
} as const;

/** One tool call of an assistant turn. */
const toolCall = {
  type: 'object',
  properties: {
    id: {
      type: 'string',
      description: `The call's id, 1 to ${MAX_TOOL_NAME_LENGTH} UTF-16 code units, distinct within the turn; the tool turn answering it names it in toolCallId.`,
    },
    name: { type: 'string', description: `The tool's name, 1 to ${MAX_TOOL_NAME_LENGTH} UTF-16 code units.` },
    arguments: {
      type: 'string',
      description: 'The arguments as the JSON text the model produced (a string, not an object), kept verbatim.',
    },
  },
  required: ['id', 'name', 'arguments'],
  additionalProperties: false,
} as const;

/** One file a turn carries. */
const attachment = {
  type: 'object',
  properties: {
    mediaType: { type: 'string', description: 'The media type "type/subtype" (image/png, application/pdf), without parameters.' },
    url: {
      type: 'string',
      description: 'An http:, https: or data: URL. A data: URL counts against maxTurnBytes like the rest of the turn.',
    },
  },
  required: ['mediaType', 'url'],
  additionalProperties: false,
} as const;

/**
 * The fields a turn may carry beside role and content, the same in requests and responses. A
 * field absent, an empty list or an empty metadata object is the same as none: the turn is plain,
 * and reads back as exactly {role, content, ts}.
 */
const extraFields = {
  toolCalls: { type: 'array', items: toolCall, description: 'Assistant turns only: the tools the model called.' },
  toolCallId: {
    type: 'string',
    description: `Tool turns only: the id of the call this result answers (1 to ${MAX_TOOL_NAME_LENGTH} UTF-16 code units).`,
  },
  attachments: { type: 'array', items: attachment, description: 'Files the turn carries: images, audio, PDFs…' },
  // additionalProperties spelled out: the serializer of responses drops what a schema does not declare.
  metadata: {
    type: 'object',
    additionalProperties: true,
    description: `The app's own data (a message id, the model, token usage…): any JSON object, at most ${MAX_METADATA_DEPTH} levels deep.`,
  },
} as const;

/** One turn to append. */
export const turnInput = {
  type: 'object',
  description:
    'A turn: its role, content and, when it has them, tool calls, the id of the call it answers, attachments and metadata. Content plus the JSON text of the other fields is at most maxTurnBytes UTF-8 bytes.',
  properties: {
    role,
    content: { type: 'string', description: 'The message; with the other fields, at most maxTurnBytes UTF-8 bytes.' },
    ...extraFields,
  },
  required: ['role', 'content'],
  additionalProperties: false,
} as const;

/**
 * The body of POST …/turns: one turn, or `{turns: [...]}` stored all or nothing. `if`/`then`/`else`
 * rather than `oneOf`, so a mistake is reported against the shape the client meant, not as
 * "must match exactly one schema".
 */
export const appendBody = {
  type: 'object',
  description:
    'One turn {role, content, …}, or {turns: [{role, content, …}, …], replaceNewest?} stored together or not at all, after the newest replaceNewest turns are removed.',
  if: { required: ['turns'] },
  then: {
    properties: {
      turns: { type: 'array', items: turnInput },
      replaceNewest: {
        type: 'integer',
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description:
          "How many of the conversation's newest turns to remove first, in the same atomic step (fewer when it holds fewer): a changed last message replaces its old version. With no turns, a removal; a conversation left with no turn is gone, as if deleted. Default 0.",
      },
    },
    required: ['turns'],
    additionalProperties: false,
  },
  else: turnInput,
} as const;

/** The query of the list route. */
export const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, description: `Conversations per page (default ${DEFAULT_LIST_LIMIT}).` },
    cursor: { type: 'string', minLength: 1, description: 'The cursor of the previous page.' },
  },
  additionalProperties: false,
} as const;

/** A turn handed out: exactly {role, content, ts} when plain, the extra fields after those when set. */
const turn = {
  type: 'object',
  properties: {
    role,
    content: { type: 'string' },
    ts: { type: 'number', description: 'Unix time in seconds, millisecond precision.' },
    ...extraFields,
    summary: {
      type: 'boolean',
      enum: [true],
      description:
        "Present, and true, only on the conversation's summary: a system turn standing first for the turns it replaced (set by compact, never appended).",
    },
  },
  required: ['role', 'content', 'ts'],
} as const;

const turns = { type: 'array', items: turn, description: 'Oldest first.' } as const;

/** The answer to removing the newest turn: `{id, turn}`. */
export const popResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, turn: { ...turn, description: 'The turn removed, as GET returned it.' } },
  required: ['id', 'turn'],
} as const;

/** A conversation: `{id, turns}`. */
export const conversationResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, turns },
  required: ['id', 'turns'],
} as const;

/** The answer to an append. */
export const appendResponse = {
  type: 'object',
  properties: { id: { type: 'string' }, appended: { type: 'integer', description: 'Turns accepted by this request.' } },
  required: ['id', 'appended'],
} as const;

/** A page of the list route. */
export const listResponse = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      description: 'Most recently used first.',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          turns,
          lastAccess: { type: 'number', description: 'Unix time in seconds of the last read or append.' },
        },
        required: ['id', 'turns', 'lastAccess'],
      },
    },
    cursor: { type: 'string', description: 'Present when more conversations follow: pass it to get the next page.' },
  },
  required: ['items'],
} as const;

const count = { type: 'integer', minimum: 0 } as const;

/** What the stats route reports. */
export const statsResponse = {
  type: 'object',
  properties: {
    conversations: count,
    turns: count,
    bytes: { ...count, description: "UTF-8 bytes held: each turn's content plus the JSON text of its other fields." },
    evictions: { type: 'object', properties: { ttl: count, lru: count, bytes: count }, required: ['ttl', 'lru', 'bytes'] },
  },
  required: ['conversations', 'turns', 'bytes', 'evictions'],
} as const;

/** The health and readiness answers. */
export const statusResponse = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

/** Every error: `{"error": {"code", "message"}}`. */
export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string', description: 'Stable code; see docs/errors.md.' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** The error responses every route may give, keyed by status class. */
export const errorResponses = { '4xx': errorResponse, '5xx': errorResponse } as const;
