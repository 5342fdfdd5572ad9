import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../src/index.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';
import { assertError, inProcess, type InProcessService } from './support/in-process.js';
import { request, runCli, startService, type Service } from './support/service-process.js';

const TOKEN = 'correct-horse-battery-staple';

describe('bearer token (in process)', () => {
  let service: InProcessService;
  before(async () => {
    service = await inProcess({ token: TOKEN });
  });
  after(() => service.close());

  it('every /v1 route needs the token: 401 with WWW-Authenticate without it', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/v1/conversations'],
      ['GET', '/v1/conversations/x'],
      ['POST', '/v1/conversations/x/turns', { role: 'user', content: 'hi' }],
      ['DELETE', '/v1/conversations/x'],
      ['GET', '/v1/stats'],
    ];
    for (const [method, url, body] of routes) {
      const response = await service.call(method as 'GET', url, body === undefined ? {} : { body });
      assertError(response, 401, 'TURNSTORE_UNAUTHORIZED');
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
    }
    assert.equal(await service.store.size(), 0, 'the refused POST stored nothing');
  });

  it('wrong tokens, other schemes and malformed headers are all 401', async () => {
    const refused = [
      'Bearer wrong',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
      TOKEN,
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN} extra`,
      `Token ${TOKEN}`,
    ];
    for (const authorization of refused) {
      assertError(await service.call('GET', '/v1/stats', { headers: { authorization } }), 401, 'TURNSTORE_UNAUTHORIZED');
    }
  });

  it('the right token opens /v1; the scheme is case-insensitive', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`]) {
      assert.equal((await service.call('GET', '/v1/stats', { headers: { authorization } })).status, 200, authorization);
    }
    const posted = await service.call('POST', '/v1/conversations/x/turns', {
      body: { role: 'user', content: 'hi' },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(posted.status, 201);
  });

  it('an unknown /v1 route is 401 without the token (routes cannot be probed) and 404 with it', async () => {
    assertError(await service.call('GET', '/v1/secret-route'), 401, 'TURNSTORE_UNAUTHORIZED');
    assertError(
      await service.call('GET', '/v1/secret-route', { headers: { authorization: `Bearer ${TOKEN}` } }),
      404,
      'TURNSTORE_NOT_FOUND',
    );
  });

  it('a /v1 request without the token is 401 whatever its route, method or body: the body is never parsed', async () => {
    const json = { 'content-type': 'application/json' };
    const cases: Array<[string, string, string | undefined, Record<string, string>]> = [
      // Found by the outside fuzz: the body was parsed first, and answered for.
      ['POST', '/v1/secret-admin', '{', json],
      ['PUT', '/v1/conversations/x', '{', json],
      ['PATCH', '/v1/conversations/x/turns', 'not json', json],
      ['POST', '/v1/conversations/x/turns', '{', json],
      ['POST', '/v1/conversations/x/turns', 'hello', { 'content-type': 'text/plain' }],
      ['POST', '/v1/stats', '', json],
      ['OPTIONS', '/v1/conversations', undefined, {}],
      ['POST', '/v1', '[', json],
      // A URL the router cannot take apart, under /v1: still the token first.
      ['GET', '/v1/conversations/%E0%A4%A', undefined, {}],
      ['GET', `/v1/conversations/${'x'.repeat(3000)}`, undefined, {}],
      ['GET', '/v1/%zz', undefined, {}],
    ];
    for (const [method, url, body, headers] of cases) {
      const response = await service.call(method as 'GET', url, { headers, ...(body === undefined ? {} : { body }) });
      assertError(response, 401, 'TURNSTORE_UNAUTHORIZED');
      assert.match(String(response.headers['www-authenticate']), /^Bearer/, `${method} ${url}`);
    }
  });

  it('a /v1 path spelt otherwise (percent-encoded, absolute form) is 401 without the token whether or not its route exists', async () => {
    // Found in review: the router decodes %76 to "v" and drops an absolute URL's scheme and host,
    // so an existing route answered 401 and a missing one 404: routes could be probed.
    const app = await createServer({ store: new MemoryStore(), token: TOKEN, logLevel: 'silent', metrics: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const statusOf = async (method: string, target: string): Promise<number> => {
      const socket = connect(port, '127.0.0.1');
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      let text = '';
      for await (const piece of socket) text += String(piece);
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    };
    try {
      for (const target of [
        '/%761/conversations',
        '/%761/nope',
        '/%76%31/nope',
        `http://127.0.0.1:${port}/v1/conversations`,
        `http://127.0.0.1:${port}/v1/nope`,
        '/%761/conversations/%FF',
      ]) {
        assert.equal(await statusOf('GET', target), 401, target);
      }
      assert.equal(await statusOf('GET', '/%6Eowhere'), 404, 'outside /v1 stays 404');
    } finally {
      await app.close();
    }
  });

  it('an unknown route outside /v1 is 404 without its body being parsed', async () => {
    for (const [method, url] of [
      ['POST', '/healthz'],
      ['PUT', '/nowhere'],
      ['DELETE', '/openapi.json'],
    ] as const) {
      assertError(
        await service.call(method as 'POST', url, { body: '{', headers: { 'content-type': 'application/json' } }),
        404,
        'TURNSTORE_NOT_FOUND',
      );
    }
  });

  it('/healthz, /readyz, /metrics and /openapi.json stay open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) assert.equal((await service.call('GET', url)).status, 200, url);
  });

  it('without a token, /v1 is open', async () => {
    const open = await inProcess();
    try {
      assert.equal((await open.call('GET', '/v1/stats')).status, 200);
    } finally {
      await open.close();
    }
  });

  it('createServer refuses a misspelt option rather than serving /v1 without a token', async () => {
    const store = new MemoryStore();
    try {
      // Before: `tokn` was ignored and /v1 answered 200 to anyone.
      await assert.rejects(createServer({ store, logLevel: 'silent', tokn: 's3cret' } as unknown as ServerOptions), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'TURNSTORE_INVALID_OPTION');
        assert.match((error as Error).message, /"tokn"/);
        assert.match((error as Error).message, /\btoken\b/, 'the known options are listed');
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('createServer refuses a token a client could not send', async () => {
    for (const token of ['', 'has space', 'tab\there', 'ünïcode']) {
      await assert.rejects(inProcess({ token }), { code: 'TURNSTORE_INVALID_OPTION' }, JSON.stringify(token));
    }
  });
});

describe('bearer token (real process)', () => {
  let service: Service;
  before(async () => {
    service = await startService([], { TURNSTORE_TOKEN: TOKEN });
  });
  after(() => service.stop());

  it('the start line says a token is required, and /v1 answers 401 without it, 200 with it', async () => {
    assert.match(service.startLine, /token required on \/v1/);
    assert.ok(!service.startLine.includes(TOKEN), 'the token is never printed');
    const refused = await request(service, 'GET', '/v1/stats');
    assertError(refused, 401, 'TURNSTORE_UNAUTHORIZED');
    const allowed = await request(service, 'GET', '/v1/stats', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(allowed.status, 200);
    assert.equal((await request(service, 'GET', '/healthz')).status, 200);
  });
});

describe('binding beyond loopback', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20', 'raspberrypi.local']) {
    it(`refuses ${host} without a token, saying why, exit 2`, () => {
      const result = runCli(['serve', '--host', host, '--port', '0']);
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`refusing to listen on ${host.replace(/\./g, '\\.')} without a token`));
      assert.match(lines[0]!, /TURNSTORE_TOKEN/);
    });
  }

  it('TURNSTORE_HOST is checked the same way', () => {
    const result = runCli(['serve', '--port', '0'], { TURNSTORE_HOST: '0.0.0.0' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
  });

  it('starts on 0.0.0.0 with a token', async () => {
    const service = await startService(['--host', '0.0.0.0'], { TURNSTORE_TOKEN: TOKEN });
    try {
      assert.match(service.startLine, /listening on http:\/\/0\.0\.0\.0:\d+ /);
      const url = service.url.replace('0.0.0.0', '127.0.0.1');
      assert.equal((await request({ url }, 'GET', '/v1/stats')).status, 401);
    } finally {
      assert.equal((await service.stop()).code, 0);
    }
  });
});
