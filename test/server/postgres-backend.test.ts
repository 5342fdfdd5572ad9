import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { assertError } from './support/in-process.js';
import { request, startService } from './support/service-process.js';

describe('turnstore serve --store postgres://…', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer | undefined;
  after(() => server?.stop());

  it('serves from PostgreSQL, answers 503 TURNSTORE_BACKEND_UNAVAILABLE (and /readyz 503) while it is down, and recovers when it is back', async () => {
    server = await PostgresTestServer.start();
    const url = server.url.replace('postgres@', 'postgres:secret@'); // trust auth ignores the password; the start line must hide it
    const service = await startService(['--store', url, '--max-turns', '4']);
    try {
      assert.match(service.startLine, /store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres;/);
      assert.ok(!service.startLine.includes('secret'));
      for (let i = 0; i < 6; i++) {
        assert.equal(
          (await request(service, 'POST', '/v1/conversations/p1/turns', { body: { role: 'user', content: `turn ${i}` } })).status,
          201,
        );
      }
      const turns = (await request(service, 'GET', '/v1/conversations/p1')).json.turns.map((turn: { content: string }) => turn.content);
      assert.deepEqual(turns, ['turn 2', 'turn 3', 'turn 4', 'turn 5']);
      assert.equal((await request(service, 'GET', '/readyz')).status, 200);

      await server.stopServerAsync('fast');
      const started = Date.now();
      assertError(
        await request(service, 'POST', '/v1/conversations/p1/turns', { body: { role: 'user', content: 'lost?' } }),
        503,
        'TURNSTORE_BACKEND_UNAVAILABLE',
      );
      assert.ok(Date.now() - started < 10_000, 'answered within a bounded time');
      assertError(await request(service, 'GET', '/readyz'), 503, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.equal((await request(service, 'GET', '/healthz')).status, 200, 'the process itself is fine');

      await server.startAgainAsync();
      let ready = 0;
      for (let attempt = 0; attempt < 100 && ready !== 200; attempt++) {
        ready = (await request(service, 'GET', '/readyz')).status;
        if (ready !== 200) await sleep(100);
      }
      assert.equal(ready, 200, 'ready again once PostgreSQL is back');
      assert.equal((await request(service, 'POST', '/v1/conversations/p2/turns', { body: { role: 'user', content: 'back' } })).status, 201);
    } finally {
      assert.equal((await service.stop()).code, 0);
    }
  });
});
