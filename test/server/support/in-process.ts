/** The service in this process, for the bulk of the route tests: `createServer` and `inject`. */
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { MemoryStore } from '../../../src/index.js';
import type { StoreOptions } from '../../../src/core/options.js';
import type { ConversationStore } from '../../../src/core/types.js';
import { createServer, type ServerOptions } from '../../../src/server/index.js';

/** A server over a fresh store, and a way to close both. */
export interface InProcessService {
  readonly app: FastifyInstance;
  readonly store: ConversationStore;
  /** Injects a request; `body` objects are sent as JSON. */
  call(
    method: InjectOptions['method'],
    url: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Record<string, unknown>; text: string; json: any }>;
  close(): Promise<void>;
}

/** Starts a server over `store` (a new MemoryStore with `storeOptions` by default). */
export async function inProcess(options: Partial<ServerOptions> & { storeOptions?: StoreOptions } = {}): Promise<InProcessService> {
  const { storeOptions, ...serverOptions } = options;
  const store = serverOptions.store ?? new MemoryStore(storeOptions);
  const app = await createServer({ logLevel: 'silent', ...serverOptions, store });
  await app.ready();
  return {
    app,
    store,
    async call(method, url, { body, headers = {} } = {}) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const allHeaders = { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers };
      const response = await app.inject({ method, url, headers: allHeaders, ...(payload === undefined ? {} : { payload }) });
      let json: unknown;
      try {
        json = response.body.length > 0 ? JSON.parse(response.body) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, headers: response.headers, text: response.body, json };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Asserts that a response is an error of the service's one shape, with this status and code. */
export function assertError(
  response: { status: number; headers: Record<string, unknown> | Headers; json: any; text: string },
  status: number,
  code: string,
): void {
  assert.equal(response.status, status, `status of ${response.text}`);
  const contentType = response.headers instanceof Headers ? response.headers.get('content-type') : response.headers['content-type'];
  assert.match(String(contentType), /^application\/json/);
  assert.equal(response.json?.error?.code, code, response.text);
  assert.equal(typeof response.json.error.message, 'string');
  assert.deepEqual(Object.keys(response.json), ['error']);
  assert.deepEqual(Object.keys(response.json.error).sort(), ['code', 'message']);
}
