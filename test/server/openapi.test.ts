import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inProcess } from './support/in-process.js';

/** The routes of SPEC §6, as `method path` in OpenAPI's spelling. */
const SPEC_ROUTES = [
  'get /v1/conversations',
  'get /v1/conversations/{id}',
  'post /v1/conversations/{id}/turns',
  'delete /v1/conversations/{id}',
  'delete /v1/conversations/{id}/turns/last',
  'get /v1/stats',
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /openapi.json',
];

type Operation = {
  parameters: Array<{ name: string; in: string; required: boolean; schema: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, unknown>;
  security?: unknown;
};

describe('/openapi.json', () => {
  it('describes exactly the routes of SPEC §6, generated from their schemas', async () => {
    const service = await inProcess();
    try {
      const response = await service.call('GET', '/openapi.json');
      assert.equal(response.status, 200);
      const document = response.json as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>> };
      assert.equal(document.openapi, '3.1.0');
      const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method} ${path}`),
      );
      assert.deepEqual(routes.sort(), [...SPEC_ROUTES].sort());

      const append = document.paths['/v1/conversations/{id}/turns']!.post!;
      assert.deepEqual(
        append.parameters.map((p) => [p.name, p.in, p.required]),
        [['id', 'path', true]],
      );
      assert.ok(append.requestBody?.content['application/json'], 'the append body is described');
      assert.ok(append.responses['201'] && append.responses['4XX'], 'its answers are described');
      const list = document.paths['/v1/conversations']!.get!;
      assert.deepEqual(
        list.parameters.map((p) => [p.name, p.in, p.required]),
        [
          ['limit', 'query', false],
          ['cursor', 'query', false],
        ],
      );
      assert.equal(append.security, undefined, 'no token on this server, so none is asked for');
    } finally {
      await service.close();
    }
  });

  it('describes the extra fields of a turn in the append body (both forms) and in the turns GET and the list route return', async () => {
    const service = await inProcess();
    try {
      type Schema = {
        type?: string;
        properties?: Record<string, Schema>;
        items?: Schema;
        required?: string[];
        additionalProperties?: boolean;
        then?: Schema;
        else?: Schema;
      };
      const document = (await service.call('GET', '/openapi.json')).json as {
        paths: Record<string, Record<string, Operation & { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>>;
      };
      const body = document.paths['/v1/conversations/{id}/turns']!.post!.requestBody!.content['application/json']!.schema as Schema;
      const one = body.else!;
      const batched = body.then!.properties!.turns!.items!;
      const got =
        document.paths['/v1/conversations/{id}']!.get!.responses['200']!.content['application/json']!.schema.properties!.turns!.items!;
      const listed =
        document.paths['/v1/conversations']!.get!.responses['200']!.content['application/json']!.schema.properties!.items!.items!
          .properties!.turns!.items!;
      for (const [where, turn] of [
        ['one-turn body', one],
        ['{turns} body', batched],
        ['GET', got],
        ['list', listed],
      ] as const) {
        const fields = turn.properties!;
        assert.deepEqual(
          Object.keys(fields),
          [
            'role',
            'content',
            ...(where === 'GET' || where === 'list' ? ['ts'] : []),
            'toolCalls',
            'toolCallId',
            'attachments',
            'metadata',
            // The summary's marker (decision 16) is handed out, never taken in.
            ...(where === 'GET' || where === 'list' ? ['summary'] : []),
          ],
          where,
        );
        assert.deepEqual(fields.toolCalls!.items!.required, ['id', 'name', 'arguments'], where);
        assert.equal(fields.toolCalls!.items!.properties!.arguments!.type, 'string', `${where}: arguments are JSON text`);
        assert.deepEqual(fields.attachments!.items!.required, ['mediaType', 'url'], where);
        assert.equal(fields.toolCallId!.type, 'string', where);
        assert.equal(fields.metadata!.type, 'object', where);
        assert.equal(fields.metadata!.additionalProperties, true, `${where}: metadata is any JSON object`);
      }
      assert.equal(one.additionalProperties, false, 'unknown fields are refused');
    } finally {
      await service.close();
    }
  });

  it('marks the /v1 routes as needing the bearer token when the server has one', async () => {
    const service = await inProcess({ token: 'abc' });
    try {
      const document = (await service.call('GET', '/openapi.json')).json as { paths: Record<string, Record<string, Operation>> };
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const operation of Object.values(operations)) {
          if (path.startsWith('/v1/')) assert.deepEqual(operation.security, [{ bearerAuth: [] }], path);
          else assert.equal(operation.security, undefined, path);
        }
      }
    } finally {
      await service.close();
    }
  });
});
