/**
 * JSON schemas of every request part and response of the service. Fastify validates requests and
 * serializes responses with them, and /openapi.json is generated from them, so the documentation
 * cannot drift from what the service does.
 */
import type { FastifySchema } from 'fastify';
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

/** One turn to append. */
export const turnInput = {
  type: 'object',
  properties: { role, content: { type: 'string', description: 'The message; at most maxTurnBytes UTF-8 bytes.' } },
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
  description: 'One turn {role, content}, or {turns: [{role, content}, …]} stored together or not at all.',
  if: { required: ['turns'] },
  then: {
    properties: { turns: { type: 'array', items: turnInput } },
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

const turn = {
  type: 'object',
  properties: { role, content: { type: 'string' }, ts: { type: 'number', description: 'Unix time in seconds, millisecond precision.' } },
  required: ['role', 'content', 'ts'],
} as const;

const turns = { type: 'array', items: turn, description: 'Oldest first.' } as const;

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
        properties: { id: { type: 'string' }, turns, lastAccess: { type: 'number', description: 'Unix time in seconds of the last read or append.' } },
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
    bytes: { ...count, description: 'UTF-8 bytes of content held.' },
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
