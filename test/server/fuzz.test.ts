import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { inProcess } from './support/in-process.js';
import { acceptedTurns, checkResponse, fuzzRequest, type FuzzRequest } from './support/fuzz-requests.js';
import { rawRequest, request, startService, type Service } from './support/service-process.js';

const IN_PROCESS_RUNS = 10_000;
/** The store's default maxTurns: a batch keeps its newest this many. */
const DEFAULT_MAX_TURNS = 8;
const SOCKET_RUNS = 1_000;
// Fixed, so every run checks the same requests; FUZZ_SEED=<n> explores others (and prints the statuses seen).
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

/** A conversation no fuzz request can name: its content must be exactly the same after the fuzz. */
const SENTINEL = 'fuzz-sentinel-\u2603-do-not-touch';
const SENTINEL_PATH = `/v1/conversations/${encodeURIComponent(SENTINEL)}`;
const SENTINEL_TURNS = {
  turns: [
    { role: 'system', content: 'You are kept.' },
    { role: 'user', content: 'Hello' },
    { role: 'assistant', content: 'Hi! 😀' },
  ],
};

/** Whether `request` could touch the sentinel (it never does in practice, but the guarantee must not hang on luck). */
function namesSentinel(candidate: FuzzRequest): boolean {
  const path = candidate.path.split('?')[0]!;
  const match = /^\/v1\/conversations\/([^/]*)/.exec(path);
  if (!match) return false;
  try {
    return decodeURIComponent(match[1]!) === SENTINEL;
  } catch {
    return false;
  }
}

describe('fuzz: random methods, paths, headers and bodies', () => {
  it(
    `${IN_PROCESS_RUNS.toLocaleString('en-US')} requests in process: never a 5xx, always the one error shape, stored data untouched`,
    { timeout: 240_000 },
    async () => {
      // Caps out of reach, so no valid request of the fuzz can evict the sentinel.
      const service = await inProcess({ storeOptions: { maxConversations: 1_000_000, maxTotalBytes: 2 ** 40 } });
      try {
        assert.equal((await service.call('POST', `${SENTINEL_PATH}/turns`, { body: SENTINEL_TURNS })).status, 201);
        const before = await service.store.get(SENTINEL);
        const statuses = new Map<number, number>();
        let rich = 0;
        await fc.assert(
          fc.asyncProperty(fuzzRequest, async (candidate) => {
            fc.pre(!namesSentinel(candidate));
            let response;
            try {
              response = await service.app.inject({
                method: candidate.method as 'GET',
                url: candidate.path,
                headers: candidate.headers,
                ...(candidate.body === undefined ? {} : { payload: candidate.body }),
              });
            } catch (error) {
              // inject() parses the URL itself and refuses some (e.g. /\\/) before the service sees them.
              if ((error as { code?: string }).code === 'ERR_INVALID_URL') return;
              throw error;
            }
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
            checkResponse(candidate, response.statusCode, response.headers['content-type'] as string | undefined, response.body);
            const accepted = acceptedTurns(candidate, response.statusCode);
            if (accepted && accepted.turns.length > 0) {
              // What was just accepted is the newest of the conversation, every field kept, and GET
              // serializes exactly what the store holds (a response schema drops what it does not declare).
              const read = await service.app.inject({ method: 'GET', url: `/v1/conversations/${accepted.segment}` });
              assert.equal(read.statusCode, 200);
              const { id, turns } = JSON.parse(read.body) as { id: string; turns: Array<Record<string, unknown>> };
              assert.equal(read.body, JSON.stringify({ id, turns: await service.store.get(id) }));
              const newest = accepted.turns.slice(-DEFAULT_MAX_TURNS);
              assert.deepEqual(
                turns.slice(-newest.length).map(({ ts: _ts, ...turn }) => turn),
                newest,
                candidate.body,
              );
              rich += newest.filter((turn) => Object.keys(turn).length > 2).length;
            }
          }),
          { numRuns: IN_PROCESS_RUNS, seed: SEED },
        );
        assert.deepEqual(await service.store.get(SENTINEL), before, 'the sentinel conversation is untouched');
        assert.equal((await service.call('GET', '/healthz')).status, 200);
        // The fuzz must have reached more than one kind of answer for its claims to mean anything.
        if (process.env.FUZZ_SEED) console.log(JSON.stringify([...statuses].sort()), `rich turns read back: ${rich}`);
        for (const status of [200, 201, 400, 404, 413, 415])
          assert.ok((statuses.get(status) ?? 0) > 0, `some requests answered ${status}: ${JSON.stringify([...statuses])}`);
        assert.ok(rich > 100, `turns with extra fields were stored and read back: ${rich}`);
      } finally {
        await service.close();
      }
    },
  );

  it(
    `${SOCKET_RUNS.toLocaleString('en-US')} requests over real sockets to the real process, then garbage bytes: it stays up, data untouched`,
    { timeout: 240_000 },
    async () => {
      const service = await startService(['--max-conversations', '1000000']);
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      try {
        assert.equal((await request(service, 'POST', `${SENTINEL_PATH}/turns`, { body: SENTINEL_TURNS })).status, 201);
        const before = (await request(service, 'GET', SENTINEL_PATH)).json;
        await fc.assert(
          fc.asyncProperty(fuzzRequest, async (candidate) => {
            fc.pre(!namesSentinel(candidate));
            let response;
            try {
              // An explicit length: without one, node:http sends a GET body unframed, and the service
              // rightly reads it as the next (garbage) request.
              const headers =
                candidate.body === undefined
                  ? candidate.headers
                  : { ...candidate.headers, 'content-length': String(Buffer.byteLength(candidate.body)) };
              response = await rawRequest(service, candidate.method, candidate.path, { headers, body: candidate.body, agent });
            } catch (error) {
              // node:http refuses to send some paths and header values at all; those never reach the service.
              if (
                (error as { code?: string }).code === 'ERR_UNESCAPED_CHARACTERS' ||
                (error as { code?: string }).code === 'ERR_INVALID_CHAR'
              )
                return;
              throw error;
            }
            checkResponse(candidate, response.status, response.headers['content-type'], response.text);
          }),
          { numRuns: SOCKET_RUNS, seed: SEED + 1 },
        );
        await sendGarbage(service);
        assert.equal(service.child.exitCode, null, 'the process is still running');
        assert.deepEqual((await request(service, 'GET', SENTINEL_PATH)).json, before, 'the sentinel conversation is untouched');
        assert.equal((await request(service, 'GET', '/healthz')).status, 200);
      } finally {
        agent.destroy();
        assert.equal((await service.stop()).code, 0);
        assert.doesNotMatch(service.output().stderr, /\n\s+at /, 'no stack trace on stderr either');
      }
    },
  );
});

/** Malformed HTTP straight onto sockets: whatever answer comes is a 400 in the one error shape. */
async function sendGarbage(service: Service): Promise<void> {
  const { port } = new URL(service.url);
  const fixed = [
    'garbage\r\n\r\n',
    'GET /v1/stats HTTP/9.9\r\n\r\n',
    `GET /v1/stats HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'POST /v1/conversations/x/turns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'POST /v1/conversations/x/turns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}',
    'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    'GET v1/stats HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /v1/stats HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
    '\u0000\u0001\u0002\r\n\r\n',
  ];
  const random = fc
    .sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), { numRuns: 100, seed: SEED + 2 })
    .map((bytes) => Buffer.from(bytes));
  for (const payload of [...fixed.map((text) => Buffer.from(text)), ...random]) {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(payload));
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(received));
      socket.setTimeout(2000, () => socket.destroy());
    });
    if (answer === '') continue; // Node waits for more bytes of an incomplete request; the socket ending is fine.
    const [head, ...rest] = answer.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head!)?.[1]);
    assert.ok(status >= 200 && status < 500, `${JSON.stringify(payload.toString('latin1').slice(0, 80))} → ${head}`);
    if (status >= 400) {
      const parsed = JSON.parse(rest.join('\r\n\r\n')) as { error: { code: string; message: string } };
      assert.match(parsed.error.code, /^TURNSTORE_/);
    }
  }
}
