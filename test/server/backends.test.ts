import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { assertError } from './support/in-process.js';
import { request, startService, type Service } from './support/service-process.js';

const dir = tempDirForThisFile('turnstore-serve-sqlite-');

/** Appends `count` turns to each of `ids` (interleaved), asserting every one is acknowledged with 201. */
async function appendAcknowledged(service: Service, ids: readonly string[], count: number): Promise<Map<string, string[]>> {
  const sent = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (let i = 0; i < count; i++) {
    await Promise.all(
      ids.map(async (id) => {
        const content = `${id} turn ${i}`;
        const response =
          i % 3 === 2
            ? await request(service, 'POST', `/v1/conversations/${encodeURIComponent(id)}/turns`, {
                body: { turns: [{ role: 'user', content }] },
              })
            : await request(service, 'POST', `/v1/conversations/${encodeURIComponent(id)}/turns`, {
                body: { role: i % 2 ? 'assistant' : 'user', content },
              });
        assert.equal(response.status, 201, response.text);
        sent.get(id)!.push(content);
      }),
    );
  }
  return sent;
}

async function turnsOf(service: Service, id: string): Promise<string[]> {
  const response = await request(service, 'GET', `/v1/conversations/${encodeURIComponent(id)}`);
  assert.equal(response.status, 200);
  return response.json.turns.map((turn: { content: string }) => turn.content);
}

describe('turnstore serve --store sqlite:PATH', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`acknowledged appends survive ${signal} and a restart`, async () => {
      const path = dir.file(`${signal}.db`);
      const args = ['--store', `sqlite:${path}`, '--max-turns', '6'];
      const ids = ['alpha', 'a/b', '__proto__', '😀'];
      const first = await startService(args);
      assert.match(first.startLine, new RegExp(`store sqlite:${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`));
      const sent = await appendAcknowledged(first, ids, 10);
      const stopped = await first.stop(signal);
      if (signal === 'SIGTERM') assert.deepEqual(stopped, { code: 0, signal: null });
      else assert.equal(stopped.signal, 'SIGKILL');

      const second = await startService(args);
      try {
        for (const id of ids) assert.deepEqual(await turnsOf(second, id), sent.get(id)!.slice(-6), id);
        assert.equal((await request(second, 'GET', '/v1/stats')).json.conversations, ids.length);
      } finally {
        await second.stop();
      }
    });
  }
});

const redisSkip = redisUnavailable();

describe('turnstore serve --store redis://…', { skip: redisSkip }, () => {
  let redis: RedisTestServer | undefined;
  after(() => redis?.stop());

  it('serves from Redis, answers 503 TURNSTORE_BACKEND_UNAVAILABLE while it is down, and recovers when it is back', async () => {
    redis = await RedisTestServer.start();
    const service = await startService(['--store', redis.url]);
    try {
      assert.match(service.startLine, new RegExp(`store ${redis.url};`));
      await appendAcknowledged(service, ['r1'], 3);
      assert.equal((await turnsOf(service, 'r1')).length, 3);
      assert.equal((await request(service, 'GET', '/readyz')).status, 200);

      await redis.kill();
      const started = Date.now();
      const down = await request(service, 'POST', '/v1/conversations/r1/turns', { body: { role: 'user', content: 'lost?' } });
      assertError(down, 503, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.equal(down.headers.get('retry-after'), '1');
      assert.ok(Date.now() - started < 10_000, 'answered within a bounded time');
      assertError(await request(service, 'GET', '/readyz'), 503, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.equal((await request(service, 'GET', '/healthz')).status, 200, 'the process itself is fine');

      await redis.restart();
      let ready = 0;
      for (let attempt = 0; attempt < 100 && ready !== 200; attempt++) {
        ready = (await request(service, 'GET', '/readyz')).status;
        if (ready !== 200) await sleep(100);
      }
      assert.equal(ready, 200, 'ready again once Redis is back');
      assert.equal((await request(service, 'POST', '/v1/conversations/r2/turns', { body: { role: 'user', content: 'back' } })).status, 201);
    } finally {
      assert.equal((await service.stop()).code, 0);
    }
  });
});
