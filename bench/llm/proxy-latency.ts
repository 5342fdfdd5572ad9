/**
 * bench:llm part 2: the latency the memory proxy adds over calling the upstream directly. The fake
 * OpenAI-compatible upstream of the tests answers at once, so every microsecond above the direct
 * figure is the proxy's: reading the history, contextWindow, one more loopback hop, storing the
 * exchange. Both paths are measured in the same run, interleaved, with the same keep-alive client.
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

/** One run (sequential or concurrent): both paths and the difference. */
export interface LatencyComparison {
  readonly direct: LatencySummary;
  readonly proxy: LatencySummary;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
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

function compare(direct: number[], proxy: number[]): LatencyComparison {
  const d = summarize(direct);
  const p = summarize(proxy);
  return { direct: d, proxy: p, addedP50Ms: p.p50Ms - d.p50Ms, addedP99Ms: p.p99Ms - d.p99Ms };
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

  // One request over the shared keep-alive agent; resolves with its duration in milliseconds.
  const timed = (port: number, conversation: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/chat/completions',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-conversation-id': conversation },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${response.statusCode}`)),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const conversationOf = (i: number) => `bench-${i % parameters.conversations}`;

  try {
    progress(`proxy latency: warming up (${parameters.warmupRequests} requests each way)`);
    for (let i = 0; i < parameters.warmupRequests; i++) {
      await timed(upstreamPort, conversationOf(i));
      await timed(proxyPort, conversationOf(i));
    }

    progress(`proxy latency: ${parameters.sequentialRequests} sequential requests each way, interleaved`);
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < parameters.sequentialRequests; i++) {
      // Alternating which goes first, so neither always follows the other's garbage.
      if (i % 2 === 0) {
        direct.push(await timed(upstreamPort, conversationOf(i)));
        proxied.push(await timed(proxyPort, conversationOf(i)));
      } else {
        proxied.push(await timed(proxyPort, conversationOf(i)));
        direct.push(await timed(upstreamPort, conversationOf(i)));
      }
    }
    const sequential = compare(direct, proxied);

    progress(`proxy latency: ${parameters.concurrentRequests} requests each way, ${parameters.concurrency} at a time`);
    const concurrentRun = async (port: number, count: number): Promise<number[]> => {
      const samples: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: parameters.concurrency }, async () => {
          while (next < count) samples.push(await timed(port, conversationOf(next++)));
        }),
      );
      return samples;
    };
    // Two rounds in A-B-B-A order, so a drift in the machine's load weighs on both paths alike.
    const half = Math.ceil(parameters.concurrentRequests / 2);
    const concurrentDirect = await concurrentRun(upstreamPort, half);
    const concurrentProxy = await concurrentRun(proxyPort, half);
    concurrentProxy.push(...(await concurrentRun(proxyPort, half)));
    concurrentDirect.push(...(await concurrentRun(upstreamPort, half)));
    const concurrent = compare(concurrentDirect, concurrentProxy);

    // Direct requests carry the 2 messages of the body; proxied ones the history too.
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
