import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inProcess } from './support/in-process.js';

/** The routes of SPEC §6, as `method path` in OpenAPI's spelling. */
const SPEC_ROUTES = [
  'get /v1/conversations',
  'get /v1/conversations/{id}',
  'post /v1/conversations/{id}/turns',
  'delete /v1/conversations/{id}',
  'get /v1/stats',
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /openapi.json',
];

type Operation = { parameters: Array<{ name: string; in: string; required: boolean; schema: object }>; requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, unknown>; security?: unknown };

describe('/openapi.json', () => {
  it('describes exactly the routes of SPEC §6, generated from their schemas', async () => {
    const service = await inProcess();
    try {
      const response = await service.call('GET', '/openapi.json');
      assert.equal(response.status, 200);
      const document = response.json as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>> };
      assert.equal(document.openapi, '3.1.0');
      const routes = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
      assert.deepEqual(routes.sort(), [...SPEC_ROUTES].sort());

      const append = document.paths['/v1/conversations/{id}/turns']!.post!;
      assert.deepEqual(append.parameters.map((p) => [p.name, p.in, p.required]), [['id', 'path', true]]);
      assert.ok(append.requestBody?.content['application/json'], 'the append body is described');
      assert.ok(append.responses['201'] && append.responses['4XX'], 'its answers are described');
      const list = document.paths['/v1/conversations']!.get!;
      assert.deepEqual(list.parameters.map((p) => [p.name, p.in, p.required]), [['limit', 'query', false], ['cursor', 'query', false]]);
      assert.equal(append.security, undefined, 'no token on this server, so none is asked for');
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
