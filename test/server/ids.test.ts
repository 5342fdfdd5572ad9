import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, inProcess, type InProcessService } from './support/in-process.js';
import { rawRequest, startService, type Service } from './support/service-process.js';

/** Ids that are data, never syntax (SPEC §4), each sent as encodeURIComponent would send it. */
const IDS = [
  'a/b',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'a:b',
  '{x}',
  '*',
  '../x',
  '..',
  '.',
  "'; DROP TABLE turns; --",
  'a b',
  'a?b=c',
  'a#b',
  'a%b',
  '%2F',
  'a+b',
  'a;b',
  'é',
  '😀',
  '家族',
  'x'.repeat(256),
  '😀'.repeat(128),
];

/** Percent-encodes every character that is not unreserved, dots included, so no client or proxy rewrites the path. */
const encodeId = (id: string) => encodeURIComponent(id).replace(/[!'()*.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('conversation ids in URLs (in process)', () => {
  let service: InProcessService;
  before(async () => {
    service = await inProcess({ storeOptions: { maxConversations: 100 } });
  });
  after(() => service.close());

  // inject() parses its URL the WHATWG way, which turns %2E%2E into a dot segment and removes it; a
  // real socket does not, so the dot ids are checked in the real-process test below.
  for (const id of IDS.filter((candidate) => candidate !== '.' && candidate !== '..')) {
    it(`${JSON.stringify(id.length > 20 ? `${id.slice(0, 12)}… (${id.length} code units)` : id)} round-trips through POST, GET, list and DELETE`, async () => {
      const path = `/v1/conversations/${encodeId(id)}`;
      const posted = await service.call('POST', `${path}/turns`, { body: { role: 'user', content: `for ${id}` } });
      assert.equal(posted.status, 201, posted.text);
      assert.equal(posted.json.id, id);
      const got = await service.call('GET', path);
      assert.equal(got.json.id, id);
      assert.deepEqual(
        got.json.turns.map((turn: { content: string }) => turn.content),
        [`for ${id}`],
      );
      assert.deepEqual(
        await service.store.get(id).then((turns) => turns.map((turn) => turn.content)),
        [`for ${id}`],
        'stored under exactly that id',
      );
      const listed = await service.call('GET', '/v1/conversations?limit=1');
      assert.equal(listed.json.items[0].id, id);
      assert.equal((await service.call('DELETE', path)).status, 204);
      assert.deepEqual(await service.store.get(id), []);
    });
  }

  it('an id is one path segment: a%2Fb is the id a/b, while a/b is another route', async () => {
    await service.call('POST', '/v1/conversations/a%2Fb/turns', { body: { role: 'user', content: 'slash' } });
    assert.equal((await service.call('GET', '/v1/conversations/a%2Fb')).json.turns.length, 1);
    assertError(await service.call('GET', '/v1/conversations/a/b'), 404, 'TURNSTORE_NOT_FOUND');
  });

  it('ids of 257 code units, or far longer, are 400 TURNSTORE_INVALID_ID', async () => {
    for (const id of ['x'.repeat(257), `${'😀'.repeat(128)}x`, 'x'.repeat(3000), 'é'.repeat(5000)]) {
      for (const [method, suffix] of [
        ['GET', ''],
        ['POST', '/turns'],
        ['DELETE', ''],
      ] as const) {
        const body = method === 'POST' ? { body: { role: 'user', content: 'x' } } : {};
        assertError(await service.call(method, `/v1/conversations/${encodeId(id)}${suffix}`, body), 400, 'TURNSTORE_INVALID_ID');
      }
    }
    assert.equal(await service.store.size(), 1, 'only the a/b conversation of the test before');
  });

  it('malformed percent-encoding and lone surrogates are 400 TURNSTORE_INVALID_ID', async () => {
    for (const segment of ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF']) {
      assertError(await service.call('GET', `/v1/conversations/${segment}`), 400, 'TURNSTORE_INVALID_ID');
    }
  });
});

describe('conversation ids in URLs (real process, real sockets)', () => {
  let service: Service;
  before(async () => {
    service = await startService();
  });
  after(() => service.stop());

  it('every id round-trips, and 257 code units is 400', async () => {
    for (const id of IDS) {
      const path = `/v1/conversations/${encodeId(id)}`;
      const posted = await rawRequest(service, 'POST', `${path}/turns`, {
        body: JSON.stringify({ role: 'assistant', content: id }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(posted.status, 201, `${id}: ${posted.text}`);
      const got = JSON.parse((await rawRequest(service, 'GET', path)).text) as { id: string; turns: Array<{ content: string }> };
      assert.equal(got.id, id);
      assert.deepEqual(
        got.turns.map((turn) => turn.content),
        [id],
      );
    }
    const tooLong = await rawRequest(service, 'GET', `/v1/conversations/${'x'.repeat(257)}`);
    assert.equal(tooLong.status, 400);
    assert.equal((JSON.parse(tooLong.text) as { error: { code: string } }).error.code, 'TURNSTORE_INVALID_ID');
  });
});
