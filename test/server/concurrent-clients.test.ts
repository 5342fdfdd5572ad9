import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, it } from 'node:test';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { rawRequest, request, startService } from './support/service-process.js';

const dir = tempDirForThisFile('turnstore-serve-concurrent-');

const CLIENTS = 12;
const APPENDS_EACH = 30;
const MAX_TURNS = 8;

for (const store of ['memory', 'sqlite'] as const) {
  describe(`${CLIENTS} concurrent clients appending to one conversation (${store} store, real process)`, () => {
    it(`keeps exactly maxTurns (${MAX_TURNS}), the newest, with no errors`, async () => {
      const args = ['--max-turns', String(MAX_TURNS), ...(store === 'sqlite' ? ['--store', `sqlite:${dir.file()}`] : [])];
      const service = await startService(args);
      try {
        const statuses: number[] = [];
        // Each client is its own keep-alive connection, appending its turns one after another.
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, client) => {
            const agent = new Agent({ keepAlive: true, maxSockets: 1 });
            try {
              for (let i = 0; i < APPENDS_EACH; i++) {
                const body = JSON.stringify({ role: i % 2 ? 'assistant' : 'user', content: `${client}:${i}` });
                const response = await rawRequest(service, 'POST', '/v1/conversations/shared/turns', {
                  body,
                  headers: { 'content-type': 'application/json' },
                  agent,
                });
                statuses.push(response.status);
              }
            } finally {
              agent.destroy();
            }
          }),
        );
        assert.equal(statuses.length, CLIENTS * APPENDS_EACH);
        assert.deepEqual([...new Set(statuses)], [201], 'every append acknowledged');

        const kept: string[] = (await request(service, 'GET', '/v1/conversations/shared')).json.turns.map(
          (turn: { content: string }) => turn.content,
        );
        assert.equal(kept.length, MAX_TURNS);
        assert.equal(new Set(kept).size, MAX_TURNS, 'no turn twice');
        // A client appends in order, so of its turns the kept ones are its newest, in order: once
        // one of a client's turns is kept, every later one of that client must be kept too.
        const byClient = new Map<number, number[]>();
        for (const content of kept) {
          const [client, index] = content.split(':').map(Number) as [number, number];
          byClient.set(client, [...(byClient.get(client) ?? []), index]);
        }
        for (const [client, indexes] of byClient) {
          const expected = Array.from({ length: indexes.length }, (_, k) => APPENDS_EACH - indexes.length + k);
          assert.deepEqual(indexes, expected, `client ${client} kept its newest turns, in order`);
        }
        assert.equal((await request(service, 'GET', '/v1/stats')).json.turns, MAX_TURNS);
      } finally {
        assert.equal((await service.stop()).code, 0);
      }
    });
  });
}
