/** The service with the memory proxy on, in this process, listening on a free loopback port. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { MemoryStore } from '../../../src/index.js';
import type { ConversationStore } from '../../../src/core/types.js';
import { createServer, type ProxyOptions } from '../../../src/server/index.js';

/** A listening proxy and the store behind it. */
export interface ProxyServer {
  readonly app: FastifyInstance;
  readonly store: ConversationStore;
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** An official OpenAI client pointed at the proxy, for conversation `conversationId`. */
  client(conversationId: string, apiKey?: string): OpenAI;
  close(): Promise<void>;
}

/** Starts the service over a new MemoryStore (maxTurns 50 unless told), with `proxy` options. */
export async function startProxy(proxy: ProxyOptions, extra: { token?: string; maxTurns?: number } = {}): Promise<ProxyServer> {
  const store = new MemoryStore({ maxTurns: extra.maxTurns ?? 50 });
  const app = await createServer({ store, logLevel: 'silent', proxy, ...(extra.token ? { token: extra.token } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    store,
    url,
    client(conversationId, apiKey = extra.token ?? 'unused') {
      return new OpenAI({
        baseURL: `${url}/v1`,
        apiKey,
        defaultHeaders: { 'X-Conversation-Id': conversationId },
        maxRetries: 0,
        timeout: 10_000,
      });
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
