/**
 * One process of the idle benchmark: `bare` is Fastify with one route and nothing else; `service`
 * is `createServer` on a MemoryStore with default options. Both listen on loopback, then answer the
 * parent's IPC messages: on `measure` they run a full garbage collection (node --expose-gc) a few
 * times, let the heap settle, and reply with their resident memory and how many modules they loaded.
 *
 * Usage (by bench/idle/main.ts): node --expose-gc bench/dist/bench/idle/idle-server.js bare|service
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

export type IdleServerKind = 'bare' | 'service';

/** What a server process sends its parent. */
export type IdleServerMessage =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'measured'; readonly rssBytes: number; readonly heapUsedBytes: number; readonly commonJsModules: number };

async function start(kind: IdleServerKind): Promise<FastifyInstance> {
  if (kind === 'bare') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.get('/', async () => ({ status: 'ok' }));
    return app;
  }
  const { MemoryStore } = await import('../../src/index.js');
  const { createServer } = await import('../../src/server/index.js');
  return createServer({ store: new MemoryStore() });
}

async function measure(): Promise<IdleServerMessage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(50);
  }
  const { rss, heapUsed } = process.memoryUsage();
  // fastify and its dependencies, prom-client and ajv are CommonJS: their count is what loaded.
  const commonJsModules = Object.keys(createRequire(import.meta.url).cache).length;
  return { type: 'measured', rssBytes: rss, heapUsedBytes: heapUsed, commonJsModules };
}

const kind = process.argv[2];
if (kind !== 'bare' && kind !== 'service') throw new Error(`usage: idle-server.js bare|service; got ${String(kind)}`);
if (!process.send) throw new Error('idle-server.js runs as a child process with an IPC channel');
const app = await start(kind);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send({ type: 'listening', url } satisfies IdleServerMessage);
process.on('message', (message) => {
  if (message === 'measure') void measure().then((reply) => process.send!(reply));
  if (message === 'stop') void app.close().then(() => process.exit(0));
});
