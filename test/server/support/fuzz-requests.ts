/**
 * Random HTTP requests for the fuzz tests: methods, paths (real routes with odd ids, broken
 * percent-encoding, made-up routes), queries, headers and bodies (valid turns, plain and with tool
 * calls, attachments and metadata; wrong types and bad extra fields, broken JSON, huge strings,
 * `__proto__` and `constructor` keys, deep nesting), and the check every response must pass.
 */
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import fc from 'fast-check';
import { ERROR_CODES } from '../../../src/index.js';
import { HTTP_ERROR_CODES, STORE_CODE_STATUS } from '../../../src/server/index.js';

/** One request to send. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

const printable = (min = 0, max = 40) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: min, maxLength: max });
const hex = fc.constantFrom(...'0123456789abcdefABCDEFgz');
const percentTriplet = fc.tuple(hex, hex).map(([a, b]) => `%${a}${b}`);
const pathCharacter = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcxyzABC019-._~!$&'()*+,;=:@") },
  { weight: 2, arbitrary: percentTriplet },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%2F',
      '%2f',
      '%00',
      '%ED%A0%80',
      '%F0%9F%98%80',
      '%C0%AF',
      '%25',
      '%2E%2E',
      '[',
      ']',
      '"',
      '{',
      '}',
      '|',
      '^',
      '`',
      '\\',
    ),
  },
);
const segment = fc.array(pathCharacter, { maxLength: 12 }).map((characters) => characters.join(''));

/** An id segment: usually a fine one, sometimes one that must be refused. */
const idSegment = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((id) => encodeURIComponent(id)) },
  { weight: 2, arbitrary: segment },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '%5F%5Fproto%5F%5F',
      'toString',
      '..',
      '.',
      '%2E',
      'a%2Fb',
      '',
      'x'.repeat(256),
      'x'.repeat(257),
      '%E2%82%AC'.repeat(300),
      'y'.repeat(5000),
    ),
  },
);

const routePath = fc.oneof(
  { weight: 3, arbitrary: idSegment.map((id) => `/v1/conversations/${id}`) },
  { weight: 4, arbitrary: idSegment.map((id) => `/v1/conversations/${id}/turns`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/v1/conversations',
      '/v1/conversations/',
      '/v1/stats',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/',
      '/v1',
      '/v1/',
      '//v1//conversations',
      '/V1/STATS',
      '/v1/stats/',
      '/v1/conversations//turns',
    ),
  },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`) },
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/v1/${parts.join('/')}`) },
);

const queryValue = fc.oneof(
  fc.constantFrom('1', '0', '-1', '1000', '1001', '1.5', '', 'abc', '99999999999999999999', 'NaN', '0x10', '1e2'),
  printable(0, 12).map(encodeURIComponent),
);
const queryPair = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'limit',
      'cursor',
      '__proto__',
      'constructor',
      '__proto__[polluted]',
      'constructor[prototype][polluted]',
      'limit[]',
      'cursor[x]',
      'x',
    ),
    queryValue,
  ),
  fc.tuple(printable(1, 10).map(encodeURIComponent), queryValue),
);
const query = fc.option(
  fc.array(queryPair, { maxLength: 4 }).map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`),
  { nil: '' },
);

const role = fc.oneof(
  fc.constantFrom('user', 'assistant', 'system', 'tool'),
  fc.constantFrom('robot', 'USER', '', '__proto__'),
  fc.jsonValue(),
);
const content = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme', maxLength: 50 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '') },
  // Around maxTurnBytes (65536 by default) and past the body limit; rare, to keep the run fast.
  { weight: 1, arbitrary: fc.constantFrom(65_536, 65_537, 70_000).map((size) => 'x'.repeat(size)) },
  { weight: 2, arbitrary: fc.jsonValue() },
);
/** Ids and names of tool calls: mostly fine, sometimes empty, too long or not well-formed. */
const callName = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'n'.repeat(256), 'n'.repeat(257), '\ud800', '__proto__', 'constructor') },
);
const anyToolCall = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      { id: callName, name: callName, arguments: fc.oneof(fc.json(), fc.string(), fc.jsonValue()) },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const mediaType = fc.oneof(
  fc.constantFrom(
    'image/png',
    'application/pdf',
    'audio/wav',
    'text/plain',
    'png',
    'image/',
    '/png',
    'text/plain; charset=utf-8',
    '',
    'a'.repeat(200) + '/b',
  ),
  fc.string({ maxLength: 20 }),
);
const attachmentUrl = fc.oneof(
  fc.webUrl(),
  fc.base64String({ maxLength: 40 }).map((data) => `data:image/png;base64,${data}`),
  fc.constantFrom(
    'data:,',
    'data:x',
    'ftp://example.com/a',
    'javascript:alert(1)',
    'https://',
    'HTTPS://EXAMPLE.COM/A',
    'http://[::1',
    'file:///etc/passwd',
    '\ud800',
    `data:image/png;base64,${'A'.repeat(70_000)}`,
  ),
  fc.string({ maxLength: 30 }),
);
const anyAttachment = fc.oneof(
  { weight: 4, arbitrary: fc.record({ mediaType, url: attachmentUrl }, { requiredKeys: [] }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.record({ mediaType, url: attachmentUrl }), fc.constantFrom('name', '__proto__', 'type'))
      .map(([attachment, key]) => ({ ...attachment, [key]: 'x' })),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);
/** Metadata: any JSON object (keys that are names of Object.prototype included), around 32 levels deep, or not an object at all. */
const metadataKey = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', ''));
const validMetadata = fc.dictionary(metadataKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
const anyMetadata = fc.oneof(
  { weight: 4, arbitrary: validMetadata },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 30, max: 34 })
      .map((depth) => JSON.parse(`${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`) as unknown),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);
/** A turn with any of the extra fields, each right or wrong, on any role. */
const richTurn = fc.record(
  {
    role,
    content,
    toolCalls: fc.oneof(fc.array(anyToolCall, { maxLength: 3 }), fc.jsonValue()),
    toolCallId: fc.oneof(callName, fc.jsonValue()),
    attachments: fc.oneof(fc.array(anyAttachment, { maxLength: 3 }), fc.jsonValue()),
    metadata: anyMetadata,
  },
  { requiredKeys: [] },
);
const turn = fc.oneof({ weight: 2, arbitrary: fc.record({ role, content }, { requiredKeys: [] }) }, { weight: 1, arbitrary: richTurn });
const extraKeys = fc.dictionary(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'ts', 'turns', 'role', 'x', 'tool_calls', 'tool_call_id', 'name'),
  fc.jsonValue(),
  { maxKeys: 2 },
);

/** Serializes `value`, with `extra` keys spliced in as literal JSON text (so `__proto__` stays a key). */
function withExtraKeys(value: Record<string, unknown>, extra: Record<string, unknown>): string {
  const base = JSON.stringify(value);
  const additions = Object.entries(extra).map(([key, v]) => `${JSON.stringify(key)}:${JSON.stringify(v)}`);
  if (additions.length === 0) return base;
  return base === '{}' ? `{${additions.join(',')}}` : `${base.slice(0, -1)},${additions.join(',')}}`;
}

const jsonBody = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(turn, extraKeys).map(([value, extra]) => withExtraKeys(value, extra)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(fc.oneof(turn, fc.jsonValue()), { maxLength: 12 }), extraKeys)
      .map(([turns, extra]) => withExtraKeys({ turns }, extra)),
  },
  { weight: 1, arbitrary: fc.json() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"role":"user","content":"x"}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"turns":{"__proto__":[]}}',
      '{"turns":[{"__proto__":{"role":"user"},"content":"x"}]}',
    ),
  },
);
const brokenJson = fc.oneof(
  jsonBody.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
  fc
    .tuple(jsonBody, fc.nat(), printable(1, 3))
    .map(([text, at, junk]) => text.slice(0, at % (text.length + 1)) + junk + text.slice(at % (text.length + 1))),
  fc.constantFrom('{', '}', '[', '"', 'nul', 'tru', '{"role":"user","content":"x"', '{"a":1}{"b":2}', '\u0000', '\ufeff{}'),
);
const body = fc.oneof(
  { weight: 6, arbitrary: jsonBody },
  { weight: 3, arbitrary: brokenJson },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constant(`{"role":"user","content":"${'y'.repeat(1_100_000)}"}`) },
);

const contentType = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;charset=latin1',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/problem+json',
      'json',
      '',
      '*/*',
      'application/json, text/plain',
    ),
  },
  { weight: 1, arbitrary: printable(0, 30) },
);
const headerName = fc.oneof(
  fc.constantFrom(
    'x-forwarded-for',
    'accept',
    'accept-encoding',
    'x-http-method-override',
    'origin',
    '__proto__',
    'constructor',
    'x-request-id',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
);
const headers = fc
  .tuple(
    fc.option(contentType, { nil: undefined }),
    fc.option(
      fc.oneof(
        printable(0, 60),
        printable(0, 40).map((token) => `Bearer ${token}`),
      ),
      { nil: undefined },
    ),
    fc.array(fc.tuple(headerName, printable(0, 40)), { maxLength: 3 }),
  )
  .map(([type, authorization, extra]) => {
    // Built on a null-prototype object so a header named __proto__ is a header, not a prototype.
    const result: Record<string, string> = Object.create(null);
    for (const [name, value] of extra)
      if (name !== 'content-type' && name !== 'content-length' && name !== 'transfer-encoding' && name !== 'host' && name !== 'connection')
        result[name] = value;
    if (type !== undefined) result['content-type'] = type;
    if (authorization !== undefined) result.authorization = authorization;
    return { ...result };
  });

/** Methods Node's HTTP parser knows (it refuses others before any code runs); CONNECT has a test of its own. */
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
  { weight: 2, arbitrary: fc.constantFrom(...METHODS.filter((name) => name !== 'CONNECT')) },
);

const anyRequest = fc
  .record({ method, path: routePath, query, headers, body: fc.option(body, { nil: undefined }) })
  .map(({ method: verb, path, query: search, headers: fields, body: text }) => ({
    method: verb,
    path: `${path}${search}`,
    headers: fields,
    body: text,
  }));

/**
 * A request a well-behaved client would send (so the fuzz also stores, reads, lists and deletes
 * among the garbage), with sometimes one field of a turn replaced by a random value.
 */
const validName = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const validAttachment = fc.record({
  mediaType: fc.constantFrom('image/png', 'application/pdf', 'audio/wav', 'text/plain'),
  url: fc.oneof(
    fc.webUrl(),
    fc.base64String({ maxLength: 40 }).map((data) => `data:image/png;base64,${data}`),
  ),
});
/** A turn the store accepts: tool calls on assistant turns only, a tool call id on tool turns only. */
const validRichTurn = fc.constantFrom('user', 'assistant', 'system', 'tool').chain((speaker) =>
  fc.record(
    {
      role: fc.constant(speaker),
      content: fc.string({ unit: 'grapheme', maxLength: 40 }),
      ...(speaker === 'assistant'
        ? {
            toolCalls: fc.uniqueArray(fc.record({ id: validName, name: validName, arguments: fc.json({ maxDepth: 2 }) }), {
              selector: (call) => call.id,
              maxLength: 3,
            }),
          }
        : {}),
      ...(speaker === 'tool' ? { toolCallId: validName } : {}),
      attachments: fc.array(validAttachment, { maxLength: 2 }),
      metadata: validMetadata,
    },
    { requiredKeys: ['role', 'content'] },
  ),
);
const validTurn = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      role: fc.constantFrom('user', 'assistant', 'system', 'tool'),
      content: fc.string({ unit: 'grapheme', maxLength: 40 }),
    }),
  },
  { weight: 1, arbitrary: validRichTurn },
);
const mutatedTurn = fc.oneof({ weight: 4, arbitrary: validTurn }, { weight: 1, arbitrary: turn });
const wellFormedRequest = fc
  .record({
    action: fc.constantFrom('append', 'append', 'appendMany', 'get', 'delete', 'list', 'stats'),
    id: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((id) => encodeURIComponent(id)),
    turn: mutatedTurn,
    turns: fc.array(mutatedTurn, { maxLength: 10 }),
    limit: fc.integer({ min: 1, max: 5 }),
  })
  .map(({ action, id, turn: one, turns: many, limit }): FuzzRequest => {
    const json = { 'content-type': 'application/json' };
    switch (action) {
      case 'append':
        return { method: 'POST', path: `/v1/conversations/${id}/turns`, headers: json, body: JSON.stringify(one) };
      case 'appendMany':
        return { method: 'POST', path: `/v1/conversations/${id}/turns`, headers: json, body: JSON.stringify({ turns: many }) };
      case 'get':
        return { method: 'GET', path: `/v1/conversations/${id}`, headers: {}, body: undefined };
      case 'delete':
        return { method: 'DELETE', path: `/v1/conversations/${id}`, headers: {}, body: undefined };
      case 'list':
        return { method: 'GET', path: `/v1/conversations?limit=${limit}`, headers: {}, body: undefined };
      default:
        return { method: 'GET', path: '/v1/stats', headers: {}, body: undefined };
    }
  });

/** A random request: mostly anything at all, a third of the time what a client would send. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 2, arbitrary: anyRequest },
  { weight: 1, arbitrary: wellFormedRequest },
);

const KNOWN_CODES = new Map<string, number>([
  ...Object.entries(STORE_CODE_STATUS),
  ...Object.entries(HTTP_ERROR_CODES).map(([code, { status }]) => [code, status] as [string, number]),
]);

/**
 * What every response to any request must be: never a 5xx; an error is JSON `{"error": {"code",
 * "message"}}` (under /v1/responses, OpenAI's `{"error": {"message", "type", "param", "code"}}`) with
 * a known code answered with its own status, and no stack trace.
 */
export function checkResponse(request: FuzzRequest, status: number, contentTypeHeader: string | undefined, text: string): void {
  const context = `${request.method} ${request.path.slice(0, 200)} → ${status} ${text.slice(0, 300)}`;
  assert.ok(status >= 200 && status < 500, context);
  if (status < 400 || request.method === 'HEAD') return;
  assert.match(String(contentTypeHeader), /^application\/json/, context);
  const parsed = JSON.parse(text) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(parsed), ['error'], context);
  // The Responses API routes answer OpenAI's shape: the same code and message, with type and param.
  const openAiShape = /^\/v1\/responses(\/|\?|$)/.test(request.path) && 'type' in parsed.error;
  assert.deepEqual(Object.keys(parsed.error).sort(), openAiShape ? ['code', 'message', 'param', 'type'] : ['code', 'message'], context);
  if (openAiShape) {
    const { type, param } = parsed.error as { type?: unknown; param?: unknown };
    assert.equal(type, status >= 500 ? 'server_error' : 'invalid_request_error', context);
    assert.ok(param === null || typeof param === 'string', context);
  }
  assert.equal(typeof parsed.error.message, 'string', context);
  assert.ok(parsed.error.code in ERROR_CODES || parsed.error.code in HTTP_ERROR_CODES, context);
  assert.equal(KNOWN_CODES.get(parsed.error.code), status, `${parsed.error.code} comes with its own status: ${context}`);
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.js:\d+/, context);
}

/** What a stored turn keeps of a sent one: role and content, then the extra fields that are set, in the stored order. */
function asStored(sent: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = { role: sent.role, content: sent.content };
  for (const field of ['toolCalls', 'toolCallId', 'attachments', 'metadata']) {
    const value = sent[field];
    const empty =
      value === undefined ||
      (Array.isArray(value) && value.length === 0) ||
      (field === 'metadata' && Object.keys(value as object).length === 0);
    if (!empty) kept[field] = value;
  }
  return kept;
}

/**
 * For a POST …/turns that was answered 201: the id's path segment and the turns it stored, as the
 * store keeps them (without `ts`); `undefined` for any other request.
 */
export function acceptedTurns(
  request: FuzzRequest,
  status: number,
): { segment: string; turns: Array<Record<string, unknown>> } | undefined {
  const match = /^\/v1\/conversations\/([^/?]+)\/turns(?:\?|$)/.exec(request.path);
  if (request.method !== 'POST' || status !== 201 || !match || request.body === undefined) return undefined;
  const body = JSON.parse(request.body) as Record<string, unknown>;
  const sent = Array.isArray(body.turns) ? (body.turns as Array<Record<string, unknown>>) : [body];
  return { segment: match[1]!, turns: sent.map(asStored) };
}
