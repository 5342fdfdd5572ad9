/** The load of the service benchmark: filling, autocannon runs, and one-by-one timed requests. */
import autocannon, { type Result } from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { conversationId, turnsToAppend } from './content.js';
import type { ServiceParameters, Workload } from './parameters.js';

/** One node:http request; resolves with the status and the body's length. */
export function send(url: string, method: string, path: string, agent: Agent, body?: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, url),
      {
        method,
        agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ status: response.statusCode!, bytes }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Fills the service with the benchmark's conversations, one batch append each. */
export async function fill(url: string, parameters: ServiceParameters): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    for (let i = 0; i < parameters.conversations; i++) {
      const body = JSON.stringify({ turns: turnsToAppend(parameters.randomSeed + i, parameters.turnsEach, parameters.contentLength) });
      const { status } = await send(url, 'POST', `/v1/conversations/${conversationId(i)}/turns`, agent, body);
      if (status !== 201) throw new Error(`filling: POST answered ${status}`);
    }
  } finally {
    agent.destroy();
  }
}

/** What a request of `workload` sends, on the `index`-th conversation. */
function requestOf(workload: Workload, index: number, appendBody: string): { method: string; path: string; body?: string } {
  const id = conversationId(index);
  return workload === 'get'
    ? { method: 'GET', path: `/v1/conversations/${id}` }
    : { method: 'POST', path: `/v1/conversations/${id}/turns`, body: appendBody };
}

function appendBodyOf(parameters: ServiceParameters): string {
  return JSON.stringify(turnsToAppend(parameters.randomSeed - 1, 1, parameters.contentLength)[0]);
}

/** One autocannon run of `workload` against `url` for `seconds`, cycling over the conversations. */
export function hammer(url: string, workload: Workload, parameters: ServiceParameters, seconds: number): Promise<Result> {
  const appendBody = appendBodyOf(parameters);
  let next = 0;
  const first = requestOf(workload, 0, appendBody);
  return autocannon({
    url,
    connections: parameters.connections,
    duration: seconds,
    requests: [
      {
        method: first.method,
        ...(first.body === undefined ? {} : { body: first.body, headers: { 'content-type': 'application/json' } }),
        setupRequest: (outgoing) => ({ ...outgoing, path: requestOf(workload, next++ % parameters.conversations, appendBody).path }),
      },
    ],
  });
}

/** Latency of requests sent one after another on one keep-alive connection, in microseconds. */
export async function sequentialLatencies(
  url: string,
  workload: Workload,
  parameters: ServiceParameters,
): Promise<{ p50: number; p99: number; bytes: number }> {
  const appendBody = appendBodyOf(parameters);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const micros: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < parameters.sequentialRequests; i++) {
      const { method, path, body } = requestOf(workload, i % parameters.conversations, appendBody);
      const started = performance.now();
      const response = await send(url, method, path, agent, body);
      micros.push((performance.now() - started) * 1000);
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
      bytes = response.bytes;
    }
  } finally {
    agent.destroy();
  }
  micros.sort((a, b) => a - b);
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))]!;
  return { p50: at(0.5), p99: at(0.99), bytes };
}
