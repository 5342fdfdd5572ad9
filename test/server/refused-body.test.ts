import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { rawRequest, startService, type Service } from './support/service-process.js';

describe('a refused body, over a real socket', () => {
  let service: Service;
  before(async () => {
    service = await startService();
  });
  after(() => service.stop());

  // agent: false sends `Connection: close`: the server closes right after its answer, which is when
  // unread body bytes turn into a reset.
  const post = (body: string, contentType: string, agent: Agent | false = false) =>
    rawRequest(service, 'POST', '/v1/conversations/big/turns', {
      body,
      headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) },
      agent,
    });

  it('a client that sends the whole of a too-large body still reads the 413 (not a connection reset)', async () => {
    // Whether the reset wins the race against the answer varies from run to run: repeat, so that
    // without the discard this fails all but never.
    for (const [size, attempts] of [
      [1_100_000, 2],
      [3_000_000, 2],
      [10_000_000, 12],
    ] as const) {
      for (let attempt = 0; attempt < attempts; attempt++) {
        const response = await post(JSON.stringify({ role: 'user', content: 'x'.repeat(size) }), 'application/json');
        assert.equal(response.status, 413);
        assert.equal(JSON.parse(response.text).error.code, 'TURNSTORE_PAYLOAD_TOO_LARGE');
      }
    }
  });

  it('the same for a large body of the wrong media type (415)', async () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const response = await post('x'.repeat(8_000_000), 'text/plain');
      assert.equal(response.status, 415);
      assert.equal(JSON.parse(response.text).error.code, 'TURNSTORE_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('the same for a request refused before its body is read (401)', async () => {
    const guarded = await startService([], { TURNSTORE_TOKEN: 'secret-token' });
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        const body = JSON.stringify({ role: 'user', content: 'x'.repeat(8_000_000) });
        const response = await rawRequest(guarded, 'POST', '/v1/conversations/x/turns', {
          body,
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
          agent: false,
        });
        assert.equal(response.status, 401);
      }
    } finally {
      await guarded.stop();
    }
  });

  it('a body too large for the service, on a route that does not exist, is 401 without the token (not 413)', async () => {
    const guarded = await startService([], { TURNSTORE_TOKEN: 'secret-token' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ role: 'user', content: 'x'.repeat(2_200_000) });
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      for (const [method, path] of [
        ['PUT', '/v1/conversations/x'],
        ['POST', '/v1/secret-admin'],
        ['POST', '/v1/conversations/x/turns'],
      ] as const) {
        for (const keepAlive of [false, true]) {
          const response = await rawRequest(guarded, method, path, { body, headers, agent: keepAlive ? agent : false });
          assert.equal(response.status, 401, `${method} ${path}: ${response.text}`);
          assert.equal(JSON.parse(response.text).error.code, 'TURNSTORE_UNAUTHORIZED');
        }
      }
      // The discarded body left the kept-alive connection clean for the next request on it.
      const next = await rawRequest(guarded, 'GET', '/v1/stats', { headers: { authorization: 'Bearer secret-token' }, agent });
      assert.equal(next.status, 200);
    } finally {
      agent.destroy();
      await guarded.stop();
    }
  });

  it('the connection stays usable after the refusal', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await post(JSON.stringify({ role: 'user', content: 'x'.repeat(1_500_000) }), 'application/json', agent)).status, 413);
      assert.equal((await post(JSON.stringify({ role: 'user', content: 'fits' }), 'application/json', agent)).status, 201);
    } finally {
      agent.destroy();
    }
  });
});
