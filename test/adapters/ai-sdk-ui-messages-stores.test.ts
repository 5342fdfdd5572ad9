/**
 * `saveUIMessages`/`loadUIMessages` on the stores that keep turns as text (SQLite, Redis, PostgreSQL,
 * each server started by the test): every part type round-trips, the same chat saved twice writes
 * nothing, and a changed tool state replaces its message in one `appendMany` with `replaceNewest`
 * — the store's own atomic replace, not MemoryStore's.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { validateUIMessages, type UIMessage } from 'ai';
import type { ConversationStore } from '../../src/index.js';
import { loadUIMessages, saveUIMessages } from '../../src/adapters/ai-sdk/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { asJson, everyPartChat } from '../support/ui-message-fixtures.js';
import { ask, booking, recorded } from '../support/ui-messages-suite.js';

const temp = tempDirForThisFile('turnstore-ui-messages-');
const noRedis = redisUnavailable();
const noPostgres = postgresUnavailable();
const redis = noRedis === undefined ? await RedisTestServer.start() : undefined;
const postgres = noPostgres === undefined ? await PostgresTestServer.start() : undefined;
after(async () => {
  await redis?.stop();
  await postgres?.stop();
});

let created = 0;
const STORES: Array<{ name: string; skip?: string; create: () => ConversationStore }> = [
  { name: 'SqliteStore', create: () => new SqliteStore({ path: temp.file(`ui-${++created}.db`), maxTurns: 100 }) },
  {
    name: 'RedisStore',
    ...(noRedis === undefined ? {} : { skip: noRedis }),
    create: () => new RedisStore({ url: redis!.url, prefix: `ui-${++created}`, maxTurns: 100 }),
  },
  {
    name: 'PostgresStore',
    ...(noPostgres === undefined ? {} : { skip: noPostgres }),
    create: () => new PostgresStore({ connectionString: postgres!.url, tablePrefix: `ui_${++created}_`, maxTurns: 100 }),
  },
];

for (const target of STORES) {
  describe(`saveUIMessages/loadUIMessages on ${target.name}`, { skip: target.skip }, () => {
    it('round-trips every part type; the same chat again writes nothing; a changed tool state replaces its message', async () => {
      const { store, writes } = recorded(target.create());
      try {
        const chat = everyPartChat() as UIMessage[];
        await saveUIMessages(store, 'chat', chat);
        const loaded = await loadUIMessages(store, 'chat');
        assert.deepStrictEqual(loaded, asJson(chat));
        assert.deepStrictEqual(await validateUIMessages({ messages: loaded }), loaded);
        await saveUIMessages(store, 'chat', loaded);
        assert.equal(writes.length, 1);

        const turns = (await store.get('chat')).length;
        const asked = ask('u-9', 'Book it.');
        await saveUIMessages(store, 'chat', [...chat, asked, booking('approval-requested')] as UIMessage[]);
        await saveUIMessages(store, 'chat', [...chat, asked, booking('output-available')] as UIMessage[]);
        assert.deepEqual(writes.slice(1), [
          { turns: 2, replaceNewest: 0 },
          { turns: 3, replaceNewest: 1 },
        ]);
        assert.equal((await store.get('chat')).length, turns + 4);
        assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson([...chat, asked, booking('output-available')]));
      } finally {
        await store.close();
      }
    });
  });
}
