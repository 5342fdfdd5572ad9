import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TurnstoreError } from '../../src/index.js';
import type { ConversationStore } from '../../src/core/types.js';
import { MemoryStore } from '../../src/index.js';
import { assertError, inProcess, type InProcessService } from './support/in-process.js';

describe('HTTP routes (in process)', () => {
  let service: InProcessService;
  before(async () => {
    service = await inProcess({ storeOptions: { maxTurns: 3, maxTurnBytes: 100 } });
  });
  after(() => service.close());

  it('GET /healthz and /readyz answer 200 with a status', async () => {
    assert.deepEqual((await service.call('GET', '/healthz')).json, { status: 'ok' });
    assert.deepEqual((await service.call('GET', '/readyz')).json, { status: 'ready' });
  });

  it('GET /v1/conversations/{id} of an unknown id is 200 with no turns, and creates nothing', async () => {
    const response = await service.call('GET', '/v1/conversations/nobody');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { id: 'nobody', turns: [] });
    assert.equal(await service.store.size(), 0);
  });

  it('POST …/turns with {role, content} is 201 and the turn is there', async () => {
    const posted = await service.call('POST', '/v1/conversations/c1/turns', { body: { role: 'user', content: 'Hello' } });
    assert.equal(posted.status, 201);
    assert.deepEqual(posted.json, { id: 'c1', appended: 1 });
    assert.equal(posted.headers.location, '/v1/conversations/c1');
    const got = await service.call('GET', '/v1/conversations/c1');
    assert.equal(got.status, 200);
    assert.equal(got.json.id, 'c1');
    assert.equal(got.json.turns.length, 1);
    const [turn] = got.json.turns;
    assert.equal(turn.role, 'user');
    assert.equal(turn.content, 'Hello');
    assert.equal(typeof turn.ts, 'number');
    assert.ok(Math.abs(turn.ts - Date.now() / 1000) < 60, 'ts is Unix seconds');
  });

  it('GET shows the summary first, marked summary: true, as get hands it out; a POST of a turn carrying the marker is 400, nothing stored', async () => {
    await service.store.appendMany('summarised', [
      { role: 'user', content: 'I am Ada.' },
      { role: 'assistant', content: 'Hello Ada.' },
    ]);
    const seen = await service.store.get('summarised');
    await service.store.compact('summarised', { summary: 'The user is Ada.', through: seen[0]!, seen });
    const got = await service.call('GET', '/v1/conversations/summarised');
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.turns, JSON.parse(JSON.stringify(await service.store.get('summarised'))));
    assert.deepEqual(got.json.turns[0].summary, true);
    const listed = await service.call('GET', '/v1/conversations');
    assert.equal(listed.json.items.find((item: { id: string }) => item.id === 'summarised').turns[0].summary, true);
    const [summary] = got.json.turns;
    const { ts: _ts, ...fedBack } = summary;
    assertError(await service.call('POST', '/v1/conversations/summarised/turns', { body: fedBack }), 400, 'TURNSTORE_INVALID_TURN');
    assertError(
      await service.call('POST', '/v1/conversations/summarised/turns', { body: { turns: [fedBack] } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assert.deepEqual(
      (await service.store.get('summarised')).map((turn) => turn.content),
      ['The user is Ada.', 'Hello Ada.'],
    );
  });

  it('POST …/turns with {turns: […]} is 201 and keeps the newest maxTurns', async () => {
    const turns = ['a', 'b', 'c', 'd'].map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));
    const posted = await service.call('POST', '/v1/conversations/batch/turns', { body: { turns } });
    assert.equal(posted.status, 201);
    assert.deepEqual(posted.json, { id: 'batch', appended: 4 });
    const got = await service.call('GET', '/v1/conversations/batch');
    assert.deepEqual(
      got.json.turns.map((turn: { content: string }) => turn.content),
      ['b', 'c', 'd'],
    );
  });

  it('a batch with one bad turn stores none of it (400), whatever the fault', async () => {
    await service.call('POST', '/v1/conversations/atomic/turns', { body: { role: 'user', content: 'before' } });
    const before = (await service.call('GET', '/v1/conversations/atomic')).json;
    const faults = [
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'robot', content: 'bad role' },
        ],
      },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 7 },
        ],
      },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 'x'.repeat(101) },
        ],
      },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: '\ud800' },
        ],
      },
      { turns: [{ role: 'user', content: 'ok' }, null] },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 'x', toolCallId: 'call_1' },
        ],
      },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n', arguments: {} }] },
        ],
      },
      {
        turns: [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 'x', metadata: { note: 'm'.repeat(100) } },
        ],
      },
    ];
    for (const body of faults) {
      const response = await service.call('POST', '/v1/conversations/atomic/turns', { body });
      assert.ok(response.status === 400 || response.status === 413, response.text);
      assert.match(response.json.error.code, /^TURNSTORE_(INVALID_TURN|TURN_TOO_LARGE)$/);
    }
    assert.deepEqual((await service.call('GET', '/v1/conversations/atomic')).json, before);
  });

  it('400: bad JSON, empty JSON, wrong shape, wrong types, unknown fields, bad role, lone surrogate', async () => {
    const json = { 'content-type': 'application/json' };
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: '{"role": "user",', headers: json }),
      400,
      'TURNSTORE_BAD_REQUEST',
    );
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: '', headers: json }), 400, 'TURNSTORE_BAD_REQUEST');
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: [] }), 400, 'TURNSTORE_INVALID_TURN');
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: 'null', headers: json }), 400, 'TURNSTORE_INVALID_TURN');
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: { role: 'user' } }), 400, 'TURNSTORE_INVALID_TURN');
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: { role: 'user', content: 5 } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: { role: 'user', content: 'x', ts: 1 } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: { role: 'robot', content: 'x' } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: { turns: 'x' } }), 400, 'TURNSTORE_INVALID_TURN');
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: { turns: [], role: 'user' } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: { role: 'user', content: '\ud800' } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assert.equal((await service.call('GET', '/v1/conversations/x')).json.turns.length, 0, 'nothing was stored');
  });

  it('a __proto__ or constructor key is refused by name and pollutes nothing', async () => {
    const json = { 'content-type': 'application/json' };
    const proto = await service.call('POST', '/v1/conversations/p/turns', {
      body: '{"role":"user","content":"x","__proto__":{"polluted":true}}',
      headers: json,
    });
    assertError(proto, 400, 'TURNSTORE_INVALID_TURN');
    assert.match(proto.json.error.message, /__proto__/);
    const nested = await service.call('POST', '/v1/conversations/p/turns', {
      body: '{"turns":[{"role":"user","content":"x","constructor":{"prototype":{"polluted":true}}}]}',
      headers: json,
    });
    assertError(nested, 400, 'TURNSTORE_INVALID_TURN');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await service.call('GET', '/v1/conversations/p')).json.turns.length, 0);
  });

  it('413: a turn over maxTurnBytes (TURNSTORE_TURN_TOO_LARGE) and a body over the limit (TURNSTORE_PAYLOAD_TOO_LARGE)', async () => {
    assertError(
      await service.call('POST', '/v1/conversations/big/turns', { body: { role: 'user', content: 'é'.repeat(51) } }),
      413,
      'TURNSTORE_TURN_TOO_LARGE',
    );
    assertError(
      await service.call('POST', '/v1/conversations/big/turns', { body: { role: 'user', content: 'x'.repeat(1024 * 1024) } }),
      413,
      'TURNSTORE_PAYLOAD_TOO_LARGE',
    );
    assert.equal(
      (await service.call('POST', '/v1/conversations/big/turns', { body: { role: 'user', content: 'é'.repeat(50) } })).status,
      201,
      'exactly maxTurnBytes fits',
    );
  });

  it('415: a body that is not JSON, with or without a Content-Type', async () => {
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', {
        body: 'role=user&content=hi',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'TURNSTORE_UNSUPPORTED_MEDIA_TYPE',
    );
    assertError(
      await service.call('POST', '/v1/conversations/x/turns', { body: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'TURNSTORE_UNSUPPORTED_MEDIA_TYPE',
    );
    assertError(await service.call('POST', '/v1/conversations/x/turns', { body: 'hello' }), 415, 'TURNSTORE_UNSUPPORTED_MEDIA_TYPE');
    const withCharset = await service.call('POST', '/v1/conversations/cs/turns', {
      body: JSON.stringify({ role: 'user', content: 'hi' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(withCharset.status, 201);
  });

  it('404: unknown routes and methods, and DELETE of an absent conversation; DELETE of a live one is 204', async () => {
    assertError(await service.call('GET', '/nope'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('GET', '/v1/nope'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('PUT', '/v1/conversations/x'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('GET', '/v1/conversations/x/turns/extra'), 404, 'TURNSTORE_NOT_FOUND');
    await service.call('POST', '/v1/conversations/gone/turns', { body: { role: 'user', content: 'bye' } });
    const deleted = await service.call('DELETE', '/v1/conversations/gone');
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assertError(await service.call('DELETE', '/v1/conversations/gone'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('DELETE', '/v1/conversations/never'), 404, 'TURNSTORE_NOT_FOUND');
  });

  it('DELETE …/turns/last answers 200 with the newest turn, as GET showed it, and removes it; 404 when there is none', async () => {
    const turns = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'weather', arguments: '{}' }], metadata: { step: 1 } },
    ];
    await service.call('POST', '/v1/conversations/popped/turns', { body: { turns } });
    const before = (await service.call('GET', '/v1/conversations/popped')).json.turns;
    const popped = await service.call('DELETE', '/v1/conversations/popped/turns/last');
    assert.equal(popped.status, 200);
    assert.deepEqual(popped.json, { id: 'popped', turn: before[1] });
    assert.deepEqual((await service.call('GET', '/v1/conversations/popped')).json.turns, [before[0]]);
    assert.deepEqual((await service.call('DELETE', '/v1/conversations/popped/turns/last')).json, { id: 'popped', turn: before[0] });
    // Emptied: gone, as if deleted.
    assert.equal(await service.store.pop('popped'), undefined);
    assertError(await service.call('DELETE', '/v1/conversations/popped/turns/last'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('DELETE', '/v1/conversations/popped'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('DELETE', '/v1/conversations/never/turns/last'), 404, 'TURNSTORE_NOT_FOUND');
    assertError(await service.call('DELETE', `/v1/conversations/${'x'.repeat(257)}/turns/last`), 400, 'TURNSTORE_INVALID_ID');
  });

  it('POST …/turns with {turns, replaceNewest} replaces the newest turns in one step; a bad replaceNewest is 400 naming it, nothing stored', async () => {
    const turn = (content: string) => ({ role: 'user', content });
    await service.call('POST', '/v1/conversations/replaced/turns', { body: { turns: [turn('a'), turn('b')] } });
    const posted = await service.call('POST', '/v1/conversations/replaced/turns', {
      body: { turns: [turn('b2'), turn('c')], replaceNewest: 1 },
    });
    assert.equal(posted.status, 201);
    assert.deepEqual(posted.json, { id: 'replaced', appended: 2 });
    const contentsOf = async () =>
      (await service.call('GET', '/v1/conversations/replaced')).json.turns.map((stored: { content: string }) => stored.content);
    assert.deepEqual(await contentsOf(), ['a', 'b2', 'c']);
    assert.equal((await service.call('POST', '/v1/conversations/replaced/turns', { body: { turns: [], replaceNewest: 1 } })).status, 201);
    assert.deepEqual(await contentsOf(), ['a', 'b2']);
    const before = await service.store.stats();
    for (const replaceNewest of [-1, 1.5, '1', null, true, 2 ** 53]) {
      const refused = await service.call('POST', '/v1/conversations/replaced/turns', { body: { turns: [turn('x')], replaceNewest } });
      assertError(refused, 400, 'TURNSTORE_INVALID_OPTION');
      assert.match(refused.json.error.message, /replaceNewest/, JSON.stringify(replaceNewest));
    }
    // replaceNewest belongs to the batch shape only: beside a single turn it is an unknown field.
    assertError(
      await service.call('POST', '/v1/conversations/replaced/turns', { body: { role: 'user', content: 'x', replaceNewest: 1 } }),
      400,
      'TURNSTORE_INVALID_TURN',
    );
    assert.deepEqual(await contentsOf(), ['a', 'b2']);
    assert.deepEqual(await service.store.stats(), before);
  });

  it('GET /v1/conversations lists most recent first and pages with limit and cursor', async () => {
    const fresh = await inProcess();
    try {
      for (const id of ['one', 'two', 'three'])
        await fresh.call('POST', `/v1/conversations/${id}/turns`, { body: { role: 'user', content: id } });
      const first = await fresh.call('GET', '/v1/conversations?limit=2');
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.json.items.map((item: { id: string }) => item.id),
        ['three', 'two'],
      );
      assert.equal(typeof first.json.items[0].lastAccess, 'number');
      assert.equal(first.json.items[0].turns[0].content, 'three');
      assert.equal(typeof first.json.cursor, 'string');
      const second = await fresh.call('GET', `/v1/conversations?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`);
      assert.deepEqual(
        second.json.items.map((item: { id: string }) => item.id),
        ['one'],
      );
      assert.equal(second.json.cursor, undefined);
      const all = await fresh.call('GET', '/v1/conversations');
      assert.equal(all.json.items.length, 3);
    } finally {
      await fresh.close();
    }
  });

  it('400 TURNSTORE_INVALID_OPTION for a bad limit or cursor, or an unknown query field', async () => {
    for (const query of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1.5',
      'limit=-1',
      'limit=',
      'limit=1&limit=2',
      'cursor=',
      'cursor=not-a-cursor',
      'limt=5',
      '__proto__=1',
    ]) {
      assertError(await service.call('GET', `/v1/conversations?${query}`), 400, 'TURNSTORE_INVALID_OPTION');
    }
  });

  it('GET /v1/stats reports what the store holds', async () => {
    const response = await service.call('GET', '/v1/stats');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, await service.store.stats());
  });

  it('HEAD of a GET route answers its headers and no body', async () => {
    const response = await service.call('HEAD', '/v1/conversations/c1');
    assert.equal(response.status, 200);
    assert.equal(response.text, '');
  });
});

describe('HTTP routes over a failing backend', () => {
  /** A store whose every call rejects with `error`. */
  function failingStore(error: unknown): ConversationStore {
    const fail = async () => {
      throw error;
    };
    return {
      get: fail,
      append: fail,
      appendMany: fail,
      pop: fail,
      compact: fail,
      delete: fail,
      clear: fail,
      size: fail,
      list: fail,
      stats: fail,
      close: async () => undefined,
    };
  }

  it('503 TURNSTORE_BACKEND_UNAVAILABLE with Retry-After, on every /v1 route and /readyz; /healthz stays 200', async () => {
    const service = await inProcess({
      store: failingStore(new TurnstoreError('TURNSTORE_BACKEND_UNAVAILABLE', 'Redis is down', { cause: new Error('ECONNREFUSED') })),
    });
    try {
      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/v1/conversations/x'],
        ['POST', '/v1/conversations/x/turns', { role: 'user', content: 'hi' }],
        ['POST', '/v1/conversations/x/turns', { turns: [{ role: 'user', content: 'hi' }] }],
        ['DELETE', '/v1/conversations/x'],
        ['DELETE', '/v1/conversations/x/turns/last'],
        ['GET', '/v1/conversations'],
        ['GET', '/v1/stats'],
        ['GET', '/readyz'],
      ];
      for (const [method, url, body] of calls) {
        const response = await service.call(method as 'GET', url, body === undefined ? {} : { body });
        assertError(response, 503, 'TURNSTORE_BACKEND_UNAVAILABLE');
        assert.equal(response.headers['retry-after'], '1');
        assert.doesNotMatch(response.text, /ECONNREFUSED|\n\s+at /, 'the cause stays in the log');
      }
      assert.equal((await service.call('GET', '/healthz')).status, 200);
      const metrics = await service.call('GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^turnstore_store_reachable 0$/m);
    } finally {
      await service.close();
    }
  });

  it('503 when the store was closed under the service; /readyz says so too', async () => {
    const store = new MemoryStore();
    const service = await inProcess({ store });
    try {
      await store.close();
      assertError(await service.call('GET', '/v1/conversations/x'), 503, 'TURNSTORE_CLOSED');
      assertError(await service.call('GET', '/readyz'), 503, 'TURNSTORE_BACKEND_UNAVAILABLE');
    } finally {
      await service.app.close();
    }
  });

  it('an unexpected failure is 500 TURNSTORE_INTERNAL_ERROR without its message or stack', async () => {
    const service = await inProcess({ store: failingStore(new Error('secret detail at /srv/app.js:1')) });
    try {
      const response = await service.call('GET', '/v1/conversations/x');
      assertError(response, 500, 'TURNSTORE_INTERNAL_ERROR');
      assert.doesNotMatch(response.text, /secret|app\.js/);
    } finally {
      await service.close();
    }
  });
});
