/** The open routes for operators: health, readiness, metrics and the API description. */
import type { FastifyInstance } from 'fastify';
import { backendUnavailableError, isTurnstoreError } from '../core/errors.js';
import type { ConversationStore } from '../core/types.js';
import type { ServiceMetrics } from './metrics.js';
import { errorResponses, routeSchema, statusResponse } from './schemas.js';

const tags = ['operations'];

/** Registers /healthz, /readyz, /metrics (when `metrics` is given) and /openapi.json. */
export function registerOperationsRoutes(
  app: FastifyInstance,
  store: ConversationStore,
  metrics: ServiceMetrics | undefined,
  openApi: () => object,
): void {
  app.get(
    '/healthz',
    {
      schema: routeSchema({ summary: 'The process is up', tags, response: { 200: statusResponse } }),
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: routeSchema({
        summary: 'The store answers',
        description: 'Asks the store how many conversations it holds; 503 TURNSTORE_BACKEND_UNAVAILABLE when it cannot say.',
        tags,
        response: { 200: statusResponse, ...errorResponses },
      }),
    },
    async () => {
      try {
        await store.size();
      } catch (error) {
        // Whatever the failure (closed, unreachable, broken), the answer a load balancer needs is "not ready".
        if (isTurnstoreError(error, 'TURNSTORE_BACKEND_UNAVAILABLE')) throw error;
        throw backendUnavailableError({ backend: 'The store', problem: 'did not answer.' }, { cause: error });
      }
      return { status: 'ready' };
    },
  );

  if (metrics) {
    app.get(
      '/metrics',
      {
        schema: routeSchema({
          summary: 'Prometheus metrics',
          tags,
          response: {
            200: { description: 'Prometheus text exposition format.', content: { [metrics.contentType]: { schema: { type: 'string' } } } },
          },
        }),
      },
      async (_request, reply) => {
        const text = await metrics.render();
        return reply.type(metrics.contentType).send(text);
      },
    );
  }

  app.get(
    '/openapi.json',
    {
      schema: routeSchema({
        summary: 'This description of the API (OpenAPI 3.1)',
        tags,
        response: { 200: { type: 'object', additionalProperties: true } },
      }),
    },
    async () => openApi(),
  );
}
