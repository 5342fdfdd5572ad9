/**
 * Property-based fuzz of every route and method, generated from the service's own /openapi.json
 * (see support/openapi-fuzz.ts): each answer is checked against the document and docs/errors.md.
 *
 * `npm test` sends 3,000 requests (a few seconds). For a longer hunt:
 *
 *     TURNSTORE_FUZZ_RUNS=50000 node scripts/run-tests.mjs test/server/route-fuzz
 *
 * and FUZZ_SEED=<n> draws other requests than the fixed seed's (a failure prints the seed and the
 * path to replay it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startFakeUpstream, type FakeUpstream } from '../proxy/support/fake-upstream.js';
import { acceptedTurns, checkResponse } from './support/fuzz-requests.js';
import { inProcess, type InProcessService } from './support/in-process.js';
import { expectedOf, isListed, operationsOf, routeFuzzRequests, type Operation } from './support/openapi-fuzz.js';

const RUNS = Number(process.env.TURNSTORE_FUZZ_RUNS ?? 3_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const TOKEN = 'fuzz-token';
/** The store's default maxTurns: a batch keeps its newest this many. */
const DEFAULT_MAX_TURNS = 8;

describe('route fuzz from /openapi.json', () => {
  let upstream: FakeUpstream;
  const services: Array<{ service: InProcessService; tokenRequired: boolean; operations: Operation[] }> = [];

  before(async () => {
    upstream = await startFakeUpstream();
    for (const token of [TOKEN, undefined]) {
      // Caps out of reach, so no turn is evicted before it is read back.
      const service = await inProcess({
        ...(token === undefined ? {} : { token }),
        proxy: { upstream: upstream.url },
        storeOptions: { maxConversations: 1_000_000, maxTotalBytes: 2 ** 40 },
      });
      const document = (await service.call('GET', '/openapi.json')).json;
      services.push({ service, tokenRequired: token !== undefined, operations: operationsOf(document) });
    }
  });
  after(async () => {
    for (const { service } of services) await service.close();
    await upstream.close();
  });

  it('the document describes every route, the memory proxy included', () => {
    const described = services[0]!.operations.map((operation) => `${operation.method} ${operation.template}`);
    for (const route of [
      'POST /v1/conversations/{id}/turns',
      'DELETE /v1/conversations/{id}/turns/last',
      'POST /v1/chat/completions',
      'GET /healthz',
    ])
      assert.ok(described.includes(route), route);
  });

  it(
    `${RUNS.toLocaleString('en-US')} requests: statuses the document lists, 401 first under /v1, errors in the one shape, no 5xx, every acknowledged turn read back`,
    {
      timeout: 600_000,
    },
    async () => {
      const statuses = new Map<number, number>();
      // Three requests in four to the service with a token; each arbitrary built once.
      const requests = fc.oneof(
        ...services.map(({ operations }, target) => ({
          weight: target === 0 ? 3 : 1,
          arbitrary: routeFuzzRequests(operations, TOKEN).map((request) => ({ target, request })),
        })),
      );
      await fc.assert(
        fc.asyncProperty(requests, async ({ target, request }) => {
          const { service, tokenRequired } = services[target]!;
          const response = await service.app.inject({
            method: request.method as 'GET',
            url: request.path,
            headers: request.headers,
            ...(request.body === undefined ? {} : { payload: request.body }),
          });
          const status = response.statusCode;
          const context = `${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers)} ${String(request.body).slice(0, 120)} → ${status} ${response.body.slice(0, 200)}`;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          checkResponse(request, status, response.headers['content-type'] as string | undefined, response.body);
          const expected = expectedOf(request, tokenRequired);
          if (expected.exactly !== undefined) assert.equal(status, expected.exactly, context);
          else assert.ok(isListed(status, expected.listed!), `${status} is not listed (${expected.listed!.join(', ')}): ${context}`);
          if (status === 401) assert.match(String(response.headers['www-authenticate']), /^Bearer /, context);
          // A body nested too deep: the parser's 400, unless the URL was refused before the body was read.
          if (expected.exactly === 400)
            assert.ok(['TURNSTORE_BAD_REQUEST', 'TURNSTORE_INVALID_ID'].includes(JSON.parse(response.body).error.code), context);

          const accepted = acceptedTurns(request, status);
          if (accepted && accepted.turns.length > 0) {
            const read = await service.app.inject({
              method: 'GET',
              url: `/v1/conversations/${accepted.segment}`,
              headers: { authorization: `Bearer ${TOKEN}` },
            });
            assert.equal(read.statusCode, 200, context);
            const { turns } = JSON.parse(read.body) as { turns: Array<Record<string, unknown>> };
            const newest = accepted.turns.slice(-DEFAULT_MAX_TURNS);
            assert.deepEqual(
              turns.slice(-newest.length).map(({ ts: _ts, ...turn }) => turn),
              newest,
              `the acknowledged turns read back: ${context}`,
            );
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
      if (process.env.FUZZ_SEED || process.env.TURNSTORE_FUZZ_RUNS) console.log(JSON.stringify([...statuses].sort()));
      // The claims above mean something only if the fuzz reached every kind of answer.
      for (const status of [200, 201, 204, 400, 401, 404, 415])
        assert.ok((statuses.get(status) ?? 0) > 0, `some requests answered ${status}: ${JSON.stringify([...statuses])}`);
    },
  );
});
