/**
 * bench:llm part 2: the latency the memory proxy adds over calling the upstream directly. The fake
 * OpenAI-compatible upstream of the tests answers at once, so every microsecond above the direct
 * figure is the proxy's: reading the history, contextWindow, one more loopback hop, storing the
 * exchange. Three paths are measured in the same run, interleaved, with the same keep-alive client:
 * the upstream directly, the chat proxy (`POST /v1/chat/completions`), and the Responses API
 * (`POST /v1/responses` with `conversation`, which also reads the request's items, builds the
 * Response object and stores its record with the turns).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { startFakeUpstream } from '../../test/proxy/support/fake-upstream.js';

/** What was measured, and how. */
export interface ProxyLatencyParameters {
  readonly sequentialRequests: number;
  readonly concurrentRequests: number;
  readonly concurrency: number;
  readonly conversations: number;
  readonly maxTurns: number;
  readonly questionChars: number;
  readonly warmupRequests: number;
}

/** Latency percentiles of one path, in milliseconds. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** One run (sequential or concurrent): the paths and the differences. */
export interface LatencyComparison {
  readonly direct: LatencySummary;
  readonly proxy: LatencySummary;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  /** The Responses API route; absent from results written before it existed. */
  readonly responses?: {
    readonly latency: LatencySummary;
    readonly addedP50Ms: number;
    readonly addedP99Ms: number;
  };
}

/** The result of {@link benchProxyLatency}. */
export interface ProxyLatencyResult {
  readonly parameters: ProxyLatencyParameters;
  readonly sequential: LatencyComparison;
  readonly concurrent: LatencyComparison;
  /** Most messages the upstream got in one proxied request (history included): proof the history was sent. */
  readonly messagesPerProxiedRequest: number;
}

const DEFAULTS: ProxyLatencyParameters = {
  sequentialRequests: 5000,
  concurrentRequests: 8000,
  concurrency: 16,
  conversations: 50,
  maxTurns: 8,
  questionChars: 200,
  warmupRequests: 500,
};

function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), meanMs: sorted.reduce((sum, x) => sum + x, 0) / sorted.length };
}

function compare(direct: number[], proxy: number[], responses: number[]): LatencyComparison {
  const d = summarize(direct);
  const p = summarize(proxy);
  const r = summarize(responses);
  return {
    direct: d,
    proxy: p,
    addedP50Ms: p.p50Ms - d.p50Ms,
    addedP99Ms: p.p99Ms - d.p99Ms,
    responses: { latency: r, addedP50Ms: r.p50Ms - d.p50Ms, addedP99Ms: r.p99Ms - d.p99Ms },
  };
}

/** Runs the part; `parameters` shrink it for the smoke test. */
export async function benchProxyLatency(
  options: { progress?: (message: string) => void; parameters?: Partial<ProxyLatencyParameters> } = {},
): Promise<ProxyLatencyResult> {
  const parameters = { ...DEFAULTS, ...options.parameters };
  const progress = options.progress ?? (() => undefined);
  const upstream = await startFakeUpstream();
  upstream.chunkDelayMs = 0;
  const store = new MemoryStore({ maxTurns: parameters.maxTurns });
  const app = await createServer({ store, logLevel: 'silent', metrics: true, proxy: { upstream: upstream.url } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const proxyPort = (app.server.address() as AddressInfo).port;
  const upstreamPort = Number(new URL(upstream.url).port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: parameters.concurrency });
  const question = 'Tell me about the weather on a Raspberry Pi. '
    .repeat(Math.ceil(parameters.questionChars / 45))
    .slice(0, parameters.questionChars);
  const body = JSON.stringify({
    model: 'bench',
    temperature: 0.7,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: question },
    ],
  });

  // The Responses API request of each conversation: the same question and system prompt.
  const responsesBodies = Array.from({ length: parameters.conversations }, (_, i) =>
    JSON.stringify({
      model: 'bench',
      temperature: 0.7,
      instructions: 'You are a helpful assistant.',
      input: question,
      conversation: `bench-responses-${i}`,
    }),
  );

  /** The three paths: where each request goes, and with what. */
  type Path = 'direct' | 'proxy' | 'responses';
  const routes: Record<Path, (i: number) => { port: number; path: string; body: string; headers: Record<string, string> }> = {
    direct: (i) => ({ port: upstreamPort, path: '/v1/chat/completions', body, headers: { 'x-conversation-id': conversationOf(i) } }),
    proxy: (i) => ({ port: proxyPort, path: '/v1/chat/completions', body, headers: { 'x-conversation-id': conversationOf(i) } }),
    responses: (i) => ({ port: proxyPort, path: '/v1/responses', body: responsesBodies[i % parameters.conversations]!, headers: {} }),
  };

  // One request over the shared keep-alive agent; resolves with its duration in milliseconds.
  const timed = (which: Path, i: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const { port, path, body: sent, headers } = routes[which](i);
      const started = performance.now();
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(sent), ...headers },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 200
              ? resolve(performance.now() - started)
              : reject(new Error(`${path}: status ${response.statusCode}`)),
          );
        },
      );
      request.on('error', reject);
      request.end(sent);
    });
  const conversationOf = (i: number) => `bench-${i % parameters.conversations}`;
  // Orders that rotate which path goes first, so none always follows another's garbage.
  const orders: readonly Path[][] = [
    ['direct', 'proxy', 'responses'],
    ['proxy', 'responses', 'direct'],
    ['responses', 'direct', 'proxy'],
  ];

  try {
    progress(`proxy latency: warming up (${parameters.warmupRequests} requests each way)`);
    for (let i = 0; i < parameters.warmupRequests; i++) for (const which of orders[i % 3]!) await timed(which, i);

    progress(`proxy latency: ${parameters.sequentialRequests} sequential requests each way, interleaved`);
    const samples: Record<Path, number[]> = { direct: [], proxy: [], responses: [] };
    for (let i = 0; i < parameters.sequentialRequests; i++) for (const which of orders[i % 3]!) samples[which].push(await timed(which, i));
    const sequential = compare(samples.direct, samples.proxy, samples.responses);

    progress(`proxy latency: ${parameters.concurrentRequests} requests each way, ${parameters.concurrency} at a time`);
    const concurrentRun = async (which: Path, count: number): Promise<number[]> => {
      const taken: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: parameters.concurrency }, async () => {
          while (next < count) taken.push(await timed(which, next++));
        }),
      );
      return taken;
    };
    // Two rounds in A-B-C-C-B-A order, so a drift in the machine's load weighs on every path alike.
    const half = Math.ceil(parameters.concurrentRequests / 2);
    const together: Record<Path, number[]> = { direct: [], proxy: [], responses: [] };
    for (const which of ['direct', 'proxy', 'responses', 'responses', 'proxy', 'direct'] as const)
      together[which].push(...(await concurrentRun(which, half)));
    const concurrent = compare(together.direct, together.proxy, together.responses);

    // Direct requests carry the 2 messages of the body; proxied ones (either route) the history too.
    let messagesPerProxiedRequest = 0;
    for (const request of upstream.requests)
      messagesPerProxiedRequest = Math.max(messagesPerProxiedRequest, (request.body as { messages: unknown[] }).messages.length);
    return { parameters, sequential, concurrent, messagesPerProxiedRequest };
  } finally {
    agent.destroy();
    await app.close();
    await store.close();
    await upstream.close();
  }
}
