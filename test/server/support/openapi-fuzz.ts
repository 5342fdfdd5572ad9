/**
 * Random requests made from the service's own /openapi.json: for every documented route and method,
 * path and query parameters and bodies drawn from their schemas (valid, and mutated: a field
 * dropped, an unknown one, a wrong type, broken JSON, a body nested too deep, the wrong media
 * type), sent with the right token, a wrong one or none; beside them, documented paths with
 * methods they do not have, and routes that do not exist, under /v1 and outside it.
 *
 * Each request carries what the document lets a test expect of its answer (see {@link expectedOf}).
 */
import fc from 'fast-check';
import { MAX_BODY_DEPTH } from '../../../src/server/json-body.js';

/** A JSON schema as the document holds it. */
type Schema = { readonly [key: string]: any };

/** One operation of the document. */
export interface Operation {
  readonly method: string;
  /** The path with `{name}` placeholders, as the document writes it. */
  readonly template: string;
  readonly parameters: ReadonlyArray<{ name: string; in: 'path' | 'query'; required: boolean; schema: Schema }>;
  readonly body: Schema | undefined;
  /** The response keys the document lists: statuses (`200`) and classes (`4XX`). */
  readonly responses: readonly string[];
  readonly needsToken: boolean;
}

/** The operations of an OpenAPI document. */
export function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.push({
        method: method.toUpperCase(),
        template,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        responses: Object.keys(operation.responses),
        needsToken: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

/** What a fuzz request is, beside its bytes. */
export type RequestKind =
  /** A documented operation. */
  | { readonly kind: 'documented'; readonly operation: Operation; readonly deep: boolean; readonly jsonBody: boolean }
  /** A documented path with a method it does not have, or a path no route has. */
  | { readonly kind: 'unrouted' };

/** One request to send, and what it is. */
export interface RouteFuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly what: RequestKind;
  /** Whether the request carries the right token. */
  readonly authorized: boolean;
}

/** A value of `schema` (the subset of JSON Schema the service's schemas use). */
export function valueOf(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.if && schema.then && schema.else) {
    // The append body: `{turns: [...]}` when it has `turns`, else one turn.
    return fc.oneof(valueOf({ type: 'object', ...schema.then }), valueOf(schema.else));
  }
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(schema.required ?? []);
      // Each optional field in one object of four, so that plain values, which the routes accept, are common.
      const known = fc
        .tuple(
          ...Object.entries(properties).map(([name, property]) =>
            required.has(name)
              ? valueOf(property).map((value) => [name, value] as const)
              : fc.oneof(
                  { weight: 3, arbitrary: fc.constant(undefined) },
                  { weight: 1, arbitrary: valueOf(property).map((value) => [name, value] as const) },
                ),
          ),
        )
        .map((fields) => Object.fromEntries(fields.filter((field) => field !== undefined)) as Record<string, unknown>);
      if (schema.additionalProperties === true)
        return fc
          .tuple(known, fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
          .map(([fields, extra]) => ({ ...extra, ...fields }));
      return known;
    }
    case 'array':
      return fc.array(schema.items ? valueOf(schema.items) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 });
    case 'string':
      return fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value of `schema`, or one it refuses: another JSON value, a field dropped or added. */
function mutatedValueOf(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: valueOf(schema) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valueOf(schema), fc.constantFrom('__proto__', 'constructor', 'unknown', 'tool_calls', 'ts'), fc.jsonValue({ maxDepth: 1 }))
        .map(([value, key, extra]) =>
          value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value, [key]: extra } : value,
        ),
    },
    {
      weight: 1,
      arbitrary: valueOf(schema).chain((value) => {
        const keys = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
        if (keys.length === 0) return fc.constant(value);
        return fc.constantFrom(...keys).map((dropped) => {
          const { [dropped]: _dropped, ...rest } = value as Record<string, unknown>;
          return rest;
        });
      }),
    },
  );
}

/** `{"a":{"a":…}}` nested `depth` deep, or an array of arrays as deep. */
const deepJson = fc
  .tuple(fc.integer({ min: MAX_BODY_DEPTH + 1, max: 20_000 }), fc.boolean())
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

/** A body for an operation's schema: its text, whether it is nested too deep, and its media type. */
function bodyFor(schema: Schema): fc.Arbitrary<{ text: string; deep: boolean; jsonBody: boolean }> {
  const text = fc.oneof(
    { weight: 12, arbitrary: mutatedValueOf(schema).map((value) => ({ text: JSON.stringify(value), deep: false })) },
    // Broken JSON: cut short, or empty.
    {
      weight: 1,
      arbitrary: valueOf(schema).chain((value) => {
        const json = JSON.stringify(value);
        return fc.nat({ max: Math.max(0, json.length - 1) }).map((cut) => ({ text: json.slice(0, cut), deep: false }));
      }),
    },
    // Too deep, on its own or where a schema allows any object.
    { weight: 1, arbitrary: deepJson.map((deep) => ({ text: deep, deep: true })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valueOf(schema), deepJson)
        .map(([value, deep]) => ({ text: `{"nested":${deep},${JSON.stringify(value).slice(1)}`.replace(/,}$/, '}'), deep: true })),
    },
  );
  return fc
    .tuple(text, fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }))
    .map(([body, jsonBody]) => ({ ...body, jsonBody }));
}

/** A path parameter: a fitting value percent-encoded, or one the schema refuses. */
function pathValue(schema: Schema): fc.Arbitrary<string> {
  return fc.oneof(
    // A few ids often, so appends, reads and deletes meet the same conversations.
    { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c%20d', '%F0%9F%98%80') },
    { weight: 4, arbitrary: valueOf(schema).map((value) => encodeURIComponent(String(value))) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat((schema.maxLength ?? 256) + 1), '%E0%A4%A', '%zz', '%ED%A0%80', 'a%2Fb') },
  );
}

/** A query parameter's value: a fitting one, or one the schema refuses. */
function queryValue(schema: Schema): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: valueOf(schema).map((value) => encodeURIComponent(String(value))) },
    { weight: 1, arbitrary: fc.constantFrom('', '0', '-1', '1.5', 'abc', '99999999999', '%zz') },
  );
}

/** The Authorization header: none, a wrong token, another scheme, or the right token. */
function authorization(token: string): fc.Arbitrary<{ header: string | undefined; authorized: boolean }> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ header: undefined, authorized: false }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(`Bearer ${token}x`, 'Bearer ', `Basic ${token}`, token).map((header) => ({ header, authorized: false })),
    },
    { weight: 4, arbitrary: fc.constant({ header: `Bearer ${token}`, authorized: true }) },
  );
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Requests to the documented operations, to documented paths with other methods, and to no route. */
export function routeFuzzRequests(operations: readonly Operation[], token: string): fc.Arbitrary<RouteFuzzRequest> {
  // One arbitrary per operation, built once (building them per request cost most of the run);
  // appends weigh more, as they are what must read back.
  const documented = fc.oneof(
    ...operations.map((operation) => ({
      weight: operation.body && operation.method === 'POST' && operation.template.includes('{id}') ? 3 : 1,
      arbitrary: operationRequests(operation, token),
    })),
  );

  const documentedPaths = [...new Set(operations.map((operation) => operation.template))];
  const wrongMethod = fc
    .tuple(fc.constantFrom(...documentedPaths), fc.constantFrom(...METHODS))
    .filter(([template, method]) => !operations.some((operation) => operation.template === template && operation.method === method))
    .map(([template, method]) => ({ method, path: template.replace(/\{[^}]+\}/g, 'some-id') }));
  const noRoute = fc
    .tuple(
      fc.constantFrom('/v1/', '/', '/v1/conversations/x/', '/v2/'),
      fc.stringMatching(/^[a-z0-9-]{1,12}$/),
      fc.constantFrom(...METHODS),
    )
    .filter(([prefix, name]) => !documentedPaths.some((template) => template.endsWith(`/${name}`)) || prefix === '/v2/')
    .map(([prefix, name, method]) => ({ method, path: `${prefix}${name}` }));
  const unrouted = fc
    .tuple(
      fc.oneof(wrongMethod, noRoute),
      authorization(token),
      fc.option(fc.oneof(fc.constantFrom('{', '[', 'not json', '{"role":"user","content":"x"}'), deepJson), { nil: undefined }),
    )
    .map(([{ method, path }, auth, body]): RouteFuzzRequest => {
      const headers: Record<string, string> = {};
      if (auth.header !== undefined) headers.authorization = auth.header;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return { method, path, headers, body, what: { kind: 'unrouted' }, authorized: auth.authorized };
    });

  return fc.oneof({ weight: 6, arbitrary: documented }, { weight: 1, arbitrary: unrouted });
}

/** Requests to one documented operation. */
function operationRequests(operation: Operation, token: string): fc.Arbitrary<RouteFuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  return fc
    .record({
      path: fc.tuple(...pathParameters.map((parameter) => pathValue(parameter.schema))).map((values) => {
        let path = operation.template;
        pathParameters.forEach((parameter, i) => (path = path.replace(`{${parameter.name}}`, values[i]!)));
        return path;
      }),
      query: fc.tuple(
        ...queryParameters.map((parameter) => fc.option(queryValue(parameter.schema), { nil: undefined })),
        fc.option(fc.constantFrom('x=1', '__proto__=1', 'limit[]=2'), { nil: undefined }),
      ),
      body: operation.body ? fc.option(bodyFor(operation.body), { nil: undefined, freq: 8 }) : fc.constant(undefined),
      auth: authorization(token),
      conversation: fc.option(
        pathValue({ type: 'string', minLength: 1, maxLength: 256 }).map((value) => decodeURIComponentSafe(value)),
        { nil: undefined, freq: 8 },
      ),
    })
    .map(({ path, query, body, auth, conversation }): RouteFuzzRequest => {
      const pairs = query.slice(0, -1).flatMap((value, i) => (value === undefined ? [] : [`${queryParameters[i]!.name}=${value}`]));
      if (query.at(-1) !== undefined) pairs.push(query.at(-1)!);
      const headers: Record<string, string> = {};
      if (auth.header !== undefined) headers.authorization = auth.header;
      if (body) headers['content-type'] = body.jsonBody ? 'application/json' : 'text/plain';
      if (conversation !== undefined && /^[\x20-\x7e]*$/.test(conversation)) headers['x-conversation-id'] = conversation;
      return {
        method: operation.method,
        path: pairs.length > 0 ? `${path}?${pairs.join('&')}` : path,
        headers,
        body: body?.text,
        what: { kind: 'documented', operation, deep: body?.deep ?? false, jsonBody: body?.jsonBody ?? false },
        authorized: auth.authorized,
      };
    });
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const pathOf = (path: string) => path.split('?')[0]!;
const underV1 = (path: string) => pathOf(path) === '/v1' || pathOf(path).startsWith('/v1/');

/**
 * What the document, with docs/errors.md, lets the test expect of the answer to `request`:
 * - under /v1 without the right token (when the service has one): exactly 401, whatever else is
 *   wrong with the request;
 * - to no documented route and method: exactly 404;
 * - to a documented operation: a status it lists, exactly (`201`) or by class (`4XX`); a body
 *   nested too deep, as JSON, exactly 400.
 * `undefined` when any of the listed statuses will do.
 */
export function expectedOf(request: RouteFuzzRequest, tokenRequired: boolean): { exactly?: number; listed?: readonly string[] } {
  if (tokenRequired && underV1(request.path) && !request.authorized) return { exactly: 401 };
  if (request.what.kind === 'unrouted') return { exactly: 404 };
  const { operation, deep, jsonBody } = request.what;
  if (deep && jsonBody && request.body !== undefined) return { exactly: 400 };
  return { listed: operation.responses };
}

/** Whether `status` is one of the document's `listed` responses (a status, or its class such as `4XX`). */
export function isListed(status: number, listed: readonly string[]): boolean {
  return listed.includes(String(status)) || listed.includes(`${String(status)[0]}XX`);
}
