/**
 * The stress run's clients: each sends one request at a time over a keep-alive connection until the
 * deadline, choosing at random (fixed seed) among creating conversations, appending long turns,
 * reading, listing, deleting and sending a turn one byte too large. Each answer's status is checked
 * against what that request may get.
 */
import { Agent, request } from 'node:http';
import { seededRandom } from '../run-support.js';

/** The kinds of request sent. */
export type Operation = 'create' | 'append' | 'appendMany' | 'get' | 'list' | 'delete' | 'tooLarge';

/** How often each kind is chosen, out of the sum. */
const WEIGHTS: Record<Operation, number> = { create: 6, append: 40, appendMany: 8, get: 38, list: 2, delete: 4, tooLarge: 2 };

/** The statuses each kind may get; anything else is unexpected. */
const EXPECTED: Record<Operation, readonly number[]> = {
  create: [201],
  append: [201],
  appendMany: [201],
  get: [200],
  list: [200],
  delete: [204, 404],
  tooLarge: [413],
};

/** What the clients did. */
export interface LoadTally {
  requests: number;
  readonly byOperation: Record<Operation, number>;
  /** Count per status code, over all requests. */
  readonly statuses: Record<string, number>;
  serverErrors: number;
  unexpectedStatuses: number;
  failedRequests: number;
  /** The first few problems, for the message. */
  readonly problems: string[];
  /** Latency of every answered request, in milliseconds. */
  readonly latenciesMs: number[];
}

/** The same mix on every run. */
export const randomSource = seededRandom;

/**
 * Texts of `low` to `high` UTF-8 bytes: mostly ASCII, with 2-, 3- and 4-byte characters mixed in,
 * so the byte limit is counted in bytes, not characters.
 */
export function longTexts(count: number, low: number, high: number, random: () => number): string[] {
  const pieces = ['The quick brown fox jumps over the lazy dog. ', 'déjà vu, naïve café; ', '東京 ', '😀 ', '0123456789 '];
  return Array.from({ length: count }, () => {
    const target = Math.floor(low + random() * (high - low));
    let text = '';
    let bytes = 0;
    for (;;) {
      const piece = pieces[random() < 0.8 ? 0 : 1 + Math.floor(random() * 4)]!;
      const size = Buffer.byteLength(piece);
      if (bytes + size > target) break;
      text += piece;
      bytes += size;
    }
    return text + 'x'.repeat(target - bytes);
  });
}

/** A JSON request and its answer's status; throws when there is no answer. */
function send(agent: Agent, base: URL, method: string, path: string, body: Buffer | undefined, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
        timeout: timeoutMs,
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly url: string;
  readonly clients: number;
  /** `performance.now()` at which every client stops sending. */
  readonly deadline: number;
  readonly maxTurnBytes: number;
  readonly seed: number;
  /** Stops the clients early (the service died, or the run was interrupted). */
  readonly signal: AbortSignal;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
}

/** Runs the clients until the deadline (or the signal); resolves with what they did. */
export async function runLoad(options: LoadOptions): Promise<LoadTally> {
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const random = randomSource(options.seed);
  const roles = ['user', 'assistant'] as const;
  // Long turns at 60–100 % of the limit; prebuilt bodies, so the clients spend their time waiting on the service.
  const turnBodies = longTexts(48, options.maxTurnBytes * 0.6, options.maxTurnBytes, random).map((content, index) =>
    Buffer.from(JSON.stringify({ role: roles[index % 2], content })),
  );
  const pairBodies = longTexts(24, options.maxTurnBytes * 0.3, options.maxTurnBytes * 0.5, random).map((content) =>
    Buffer.from(
      JSON.stringify({
        turns: [
          { role: 'user', content },
          { role: 'assistant', content: content.slice(0, content.length >> 1) },
        ],
      }),
    ),
  );
  const tooLargeBody = Buffer.from(JSON.stringify({ role: 'user', content: 'x'.repeat(options.maxTurnBytes + 1) }));
  const operations = Object.keys(WEIGHTS) as Operation[];
  const totalWeight = operations.reduce((sum, operation) => sum + WEIGHTS[operation], 0);
  const pick = (roll: number): Operation => {
    let left = roll * totalWeight;
    for (const operation of operations) if ((left -= WEIGHTS[operation]) < 0) return operation;
    return operations[operations.length - 1]!;
  };
  const tally: LoadTally = {
    requests: 0,
    byOperation: Object.fromEntries(operations.map((operation) => [operation, 0])) as Record<Operation, number>,
    statuses: {},
    serverErrors: 0,
    unexpectedStatuses: 0,
    failedRequests: 0,
    problems: [],
    latenciesMs: [],
  };
  const note = (problem: string) => {
    if (tally.problems.length < 10) tally.problems.push(problem);
  };
  const path = (id: string) => `/v1/conversations/${encodeURIComponent(id)}`;

  async function client(index: number): Promise<void> {
    const known: string[] = [];
    let created = 0;
    const existing = () => known[Math.floor(random() * known.length)] ?? `c${index}-none`;
    while (performance.now() < options.deadline && !options.signal.aborted) {
      const operation = pick(random());
      let method = 'POST';
      let target: string;
      let body: Buffer | undefined;
      switch (operation) {
        case 'create': {
          const id = `c${index}-${created++} ✓`;
          known.push(id);
          if (known.length > 4) known.shift();
          target = `${path(id)}/turns`;
          body = turnBodies[Math.floor(random() * turnBodies.length)];
          break;
        }
        case 'append':
          target = `${path(existing())}/turns`;
          body = turnBodies[Math.floor(random() * turnBodies.length)];
          break;
        case 'appendMany':
          target = `${path(existing())}/turns`;
          body = pairBodies[Math.floor(random() * pairBodies.length)];
          break;
        case 'tooLarge':
          target = `${path(existing())}/turns`;
          body = tooLargeBody;
          break;
        case 'get':
          method = 'GET';
          target = path(existing());
          break;
        case 'list':
          method = 'GET';
          target = '/v1/conversations?limit=4';
          break;
        case 'delete': {
          method = 'DELETE';
          const at = Math.floor(random() * known.length);
          target = path(known[at] ?? `c${index}-none`);
          known.splice(at, 1);
          break;
        }
      }
      tally.requests++;
      tally.byOperation[operation]++;
      const started = performance.now();
      try {
        const status = await send(agent, base, method, target, body, options.timeoutMs ?? 30_000);
        tally.latenciesMs.push(performance.now() - started);
        tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
        if (status >= 500) {
          tally.serverErrors++;
          note(`${method} ${target} (${operation}): ${status}`);
        } else if (!EXPECTED[operation].includes(status)) {
          tally.unexpectedStatuses++;
          note(`${method} ${target} (${operation}): ${status}, expected ${EXPECTED[operation].join(' or ')}`);
        }
      } catch (error) {
        if (options.signal.aborted) break;
        tally.failedRequests++;
        note(`${method} ${target} (${operation}): ${(error as Error).message}`);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
  } finally {
    agent.destroy();
  }
  return tally;
}

/** A GET of `url` through `agent` (the sampler's own pool, apart from the clients'), with its body as text; throws on no answer. */
export function fetchText(agent: Agent, url: string, timeoutMs = 5_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, timeout: timeoutMs }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
