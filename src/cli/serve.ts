/**
 * `turnstore serve`: opens the store, starts the HTTP service, prints one line saying where it
 * listens with which store and limits, and on SIGINT/SIGTERM stops accepting, finishes the requests
 * in flight, closes the store and exits 0.
 */
import type { AddressInfo } from 'node:net';
import { isTurnstoreError } from '../core/errors.js';
import type { ConversationStore } from '../core/types.js';
import { DEFAULT_CONTEXT_TOKENS } from '../server/proxy/proxy-options.js';
import { openStore } from './open-store.js';
import { redactUpstream } from './proxy-config.js';
import { redactUrl, type ServeConfig, type StoreChoice } from './serve-config.js';

/**
 * How long requests in flight may take to finish after a stop signal before their connections are
 * cut. A chat-memory request takes milliseconds; this only bounds a stuck client.
 */
const DRAIN_LIMIT_MS = 10_000;

function describeStore(choice: StoreChoice): string {
  switch (choice.kind) {
    case 'memory':
      return 'memory';
    case 'sqlite':
      return `sqlite:${choice.path}`;
    case 'redis':
    case 'postgres':
      return redactUrl(choice.url);
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The line printed once the service listens. */
export function startLine(version: string, url: string, config: ServeConfig): string {
  const { limits } = config;
  return `turnstore ${version} listening on ${url} (store ${describeStore(config.store)}; maxTurns ${limits.maxTurns}, ttlSeconds ${limits.ttlSeconds}, maxConversations ${limits.maxConversations}, maxTurnBytes ${limits.maxTurnBytes}, maxTotalBytes ${limits.maxTotalBytes}, bodyLimit ${config.bodyLimit}; ${config.token ? 'token required on /v1' : 'no token'}${config.proxy ? `; memory proxy to ${redactUpstream(config.proxy.upstream)}, contextTokens ${config.proxy.contextTokens ?? DEFAULT_CONTEXT_TOKENS}${config.proxy.summarize ? ', summarize' : ''}` : ''})\n`;
}

/**
 * Asks the store once before serving. Some backends load their driver on first use: a missing
 * driver must stop the start, not turn every request into an error. A backend that is merely
 * unreachable (Redis restarting) does not: the store reconnects by itself, and /readyz says 503
 * until it does.
 */
async function probe(store: ConversationStore): Promise<void> {
  try {
    await store.size();
  } catch (error) {
    if (isTurnstoreError(error, 'TURNSTORE_BACKEND_UNAVAILABLE')) {
      process.stderr.write(
        `turnstore: the store is not reachable yet (${error.message}); serving anyway, /readyz answers 503 until it is\n`,
      );
      return;
    }
    throw error;
  }
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs the service until a stop signal; returns the exit code. Throws on a failure to start. */
export async function serve(config: ServeConfig): Promise<number> {
  // Signals are caught from the start, so a stop during start-up still closes the store.
  const stopSignal = nextStopSignal();
  const { createServer } = await import('../server/index.js');
  const { packageVersion } = await import('../server/package-version.js');
  const store: ConversationStore = await openStore(config.store, config.limits);
  let app;
  try {
    await probe(store);
    app = await createServer({
      store,
      token: config.token,
      logLevel: config.logLevel,
      bodyLimit: config.bodyLimit,
      ...(config.proxy ? { proxy: config.proxy } : {}),
    });
    // Fastify logs a "Server listening at" line of its own at info; the start line below says that
    // and more, once, so Fastify's is muted while it listens.
    const level = app.log.level;
    app.log.level = 'warn';
    try {
      await app.listen({ host: config.host, port: config.port });
    } finally {
      app.log.level = level;
    }
  } catch (error) {
    await app?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
  process.stdout.write(startLine(packageVersion(), urlOf(app.server.address() as AddressInfo), config));

  const signal = await stopSignal;
  process.stdout.write(`turnstore: ${signal} received; finishing requests in flight, then closing the store\n`);
  // A second signal means "now": the requests in flight are abandoned.
  void nextStopSignal().then((again) => {
    process.stderr.write(`turnstore: ${again} received again; exiting without finishing\n`);
    process.exit(1);
  });
  const server = app.server;
  // Closing the server closes the connections idle at that moment only; a keep-alive connection
  // busy with a request would then linger, idle, for the whole keep-alive timeout. Reaping idle
  // connections while draining closes each as soon as its last response is out.
  const reaper = setInterval(() => server.closeIdleConnections(), 100);
  const cutOff = setTimeout(() => server.closeAllConnections(), DRAIN_LIMIT_MS);
  try {
    await app.close();
  } finally {
    clearInterval(reaper);
    clearTimeout(cutOff);
  }
  await store.close();
  process.stdout.write('turnstore: stopped\n');
  return 0;
}
