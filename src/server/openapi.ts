/**
 * /openapi.json, generated from the schemas the routes are validated and serialized with, so the
 * document always says what the service does. Written here rather than with @fastify/swagger: the
 * service has a handful of routes, and one small function is lighter to carry than another peer.
 */
import { STATUS_CODES } from 'node:http';

/** What the document needs of one route. */
export interface DocumentedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: RouteDocumentation;
  /** Whether the route needs `Authorization: Bearer …` on this server. */
  readonly needsToken: boolean;
}

/** The route `schema` fields the document reads: Fastify's parts, plus `summary` and `tags`. */
export interface RouteDocumentation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly params?: JsonSchemaObject;
  readonly querystring?: JsonSchemaObject;
  readonly body?: JsonSchemaObject;
  readonly response?: Readonly<Record<string, JsonSchemaObject>>;
}

/** A JSON schema as written in src/server/schemas.ts. */
export type JsonSchemaObject = { readonly [key: string]: unknown };

function parameters(schema: JsonSchemaObject | undefined, where: 'path' | 'query'): object[] {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchemaObject>;
  const required = (schema.required ?? []) as string[];
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function response(status: string, schema: JsonSchemaObject): object {
  const code = status.replace(/xx$/, 'XX');
  const description =
    (schema.description as string | undefined) ??
    STATUS_CODES[status] ??
    (code === '4XX' ? 'Client error' : code === '5XX' ? 'Server error' : code);
  // A schema keyed by media type (like /metrics' text) is already in OpenAPI's own shape.
  if (schema.content) return { description, content: schema.content };
  return { description, content: { 'application/json': { schema } } };
}

/** The OpenAPI 3.1 document of `routes` (3.1, because its schemas are plain JSON Schema, `if`/`then` included). */
export function buildOpenApi(routes: readonly DocumentedRoute[], info: { title: string; version: string; description: string }): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const { schema } = route;
    const operation = {
      ...(schema.summary ? { summary: schema.summary } : {}),
      ...(schema.description ? { description: schema.description } : {}),
      ...(schema.tags ? { tags: schema.tags } : {}),
      ...(route.needsToken ? { security: [{ bearerAuth: [] }] } : {}),
      parameters: [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query')],
      ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(schema.response ?? {}).map(([status, body]) => [status.replace(/xx$/, 'XX'), response(status, body)]),
      ),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The TURNSTORE_TOKEN the service was started with.' } },
    },
  };
}
