import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { TurnstoreError, type EvictionReason } from '../../src/index.js';
import { RedisStore, type RedisStoreOptions } from '../../src/redis/index.js';
import { laneOf } from '../../src/redis/redis-store.js';
import { SCRIPTS } from '../../src/redis/scripts.js';
import { RedisMonitor, RedisTestServer, redisUnavailable } from '../support/redis-server.js';

const connectClient = (url: string) =>
  createClient({ url })
    .on('error', () => {})
    .connect();
type Client = Awaited<ReturnType<typeof connectClient>>;

function assertInvalidOption(options: unknown, mentions: string): void {
  assert.throws(
    () => new RedisStore(options as RedisStoreOptions),
    (error: unknown) => {
      assert.ok(error instanceof TurnstoreError, String(error));
      assert.equal(error.code, 'TURNSTORE_INVALID_OPTION');
      assert.ok(error.message.includes(mentions), `${JSON.stringify(mentions)} in: ${error.message}`);
      return true;
    },
  );
}

describe('RedisStore options', () => {
  const url = 'redis://127.0.0.1:1';
  const client = { sendCommand: async () => null };

  it('needs exactly one of url and client', () => {
    assertInvalidOption({}, '"url" or "client"');
    assertInvalidOption(undefined, '"url" or "client"');
    assertInvalidOption({ url, client }, '"url" and "client"');
  });

  it('refuses a url that is not redis:// or rediss://, and a client without sendCommand', () => {
    for (const bad of ['http://127.0.0.1:6379', 'localhost:6379', '', 5, null, {}]) assertInvalidOption({ url: bad }, '"url"');
    for (const bad of [{}, 5, 'redis://x', null, { sendCommand: 'no' }]) assertInvalidOption({ client: bad }, '"client"');
  });

  it('refuses a prefix that is empty, too long, not a string, or holds a brace (it is the hash tag)', () => {
    for (const bad of ['', 'a{b', 'a}b', '{x}', 'x'.repeat(129), 5, null, '\uD800']) assertInvalidOption({ url, prefix: bad }, '"prefix"');
    for (const good of ['a', 'x'.repeat(128), 'app:memory', '*?[]', '😀']) new RedisStore({ url, prefix: good }).close();
  });

  it('refuses a commandTimeoutMs that is not an integer from 1 to 600000', () => {
    for (const bad of [0, -1, 1.5, '5', NaN, Infinity, 600_001, null])
      assertInvalidOption({ url, commandTimeoutMs: bad }, 'commandTimeoutMs');
  });

  it('refuses connections that is not an integer from 1 to 16, and connections with client', () => {
    for (const bad of [0, -1, 1.5, '2', NaN, Infinity, 17, null]) assertInvalidOption({ url, connections: bad }, '"connections"');
    assertInvalidOption({ client, connections: 2 }, '"connections" applies only with "url"');
    for (const good of [1, 2, 16]) void new RedisStore({ url, connections: good }).close();
  });

  it('gives each conversation one connection: the same id always the same lane, ids spread over all', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `conversation-${i}`);
    for (const lanes of [1, 2, 3, 16]) {
      const counts = new Array<number>(lanes).fill(0);
      for (const id of ids) {
        const lane = laneOf(id, lanes);
        assert.equal(laneOf(id, lanes), lane);
        assert.ok(Number.isInteger(lane) && lane >= 0 && lane < lanes, `lane ${lane} of ${lanes}`);
        counts[lane]!++;
      }
      for (const count of counts) assert.ok(count > (ids.length / lanes) * 0.6, `lanes ${lanes}: ${counts.join(', ')}`);
    }
    for (const id of ['😀', '\u0000', 'x'.repeat(256)]) assert.ok(laneOf(id, 7) >= 0 && laneOf(id, 7) < 7);
    // Ids whose characters differ only in their higher bits (CJK, one every 16 code points) still
    // spread: a hash that kept only the low bits of each character would put them all in one lane.
    const cjk = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(0x4e00 + i * 16) + String.fromCharCode(0x4e00 + (i % 7) * 32));
    for (const lanes of [2, 16]) {
      const counts = new Array<number>(lanes).fill(0);
      for (const id of cjk) counts[laneOf(id, lanes)]!++;
      for (const count of counts) assert.ok(count > (cjk.length / lanes) * 0.6, `CJK ids over ${lanes} lanes: ${counts.join(', ')}`);
    }
  });

  it('refuses now, saying time comes from the Redis server', () => {
    assertInvalidOption({ url, now: () => 0 }, 'Redis server');
    assertInvalidOption({ client, now: Date.now }, '"now"');
  });

  it('checks the shared options and unknown keys as every store does', () => {
    assertInvalidOption({ url, maxTurns: 0 }, 'maxTurns');
    assertInvalidOption({ url, maxTurn: 5 }, 'maxTurn');
    assertInvalidOption({ url, host: 'localhost' }, 'host');
  });

  it('connects nothing until the first call: a store made from a url closes without a server', async () => {
    const store = new RedisStore({ url });
    await store.close();
    await store.close();
  });
});

const unavailable = redisUnavailable();

describe('RedisStore on a redis-server', { skip: unavailable }, () => {
  let server: RedisTestServer;
  let client: Client;
  let stores = 0;
  const open: RedisStore[] = [];
  /** A store on the shared client with a fresh prefix (returned too), closed after the tests. */
  const newStore = (options: Partial<RedisStoreOptions> = {}): { store: RedisStore; prefix: string } => {
    const prefix = `store-${++stores}`;
    const store = new RedisStore({ client, prefix, ...options });
    open.push(store);
    return { store, prefix };
  };
  /** Every key of the server, sorted. */
  const allKeys = async (): Promise<string[]> => (await client.keys('*')).sort();

  before(async () => {
    server = await RedisTestServer.start();
    client = await connectClient(server.url);
  });
  after(async () => {
    for (const store of open) await store.close();
    await client?.close();
    await server?.stop();
  });

  it('keeps every key under {prefix}: — turns in a list per conversation, the index, the per-conversation counts and meta', async () => {
    const { store, prefix } = newStore();
    await store.append('a', 'user', 'hello');
    await store.append('{x}', 'assistant', 'braces');
    await store.append('a:b', 'user', 'colon');
    const keys = (await allKeys()).filter((key) => key.includes(prefix));
    assert.deepEqual(
      keys,
      [
        `{${prefix}}:c:a`,
        `{${prefix}}:c:a:b`,
        `{${prefix}}:c:{x}`,
        `{${prefix}}:bytes`,
        `{${prefix}}:turns`,
        `{${prefix}}:lru`,
        `{${prefix}}:meta`,
      ].sort(),
    );
    assert.equal(await client.type(`{${prefix}}:c:{x}`), 'list');
    assert.equal(await client.type(`{${prefix}}:lru`), 'zset');
    // The id follows the hash tag, so braces in it cannot move the key to another slot.
    assert.deepEqual(await client.lRange(`{${prefix}}:c:{x}`, 0, -1).then((elements) => elements.map((e) => e.slice(e.indexOf(' ') + 1))), [
      'braces',
    ]);
  });

  it('sets the TTL with PEXPIRE on every write and read hit, and none with ttlSeconds 0', async () => {
    const { store, prefix } = newStore({ ttlSeconds: 30 });
    await store.append('a', 'user', 'x');
    const key = `{${prefix}}:c:a`;
    const afterWrite = await client.pTTL(key);
    assert.ok(afterWrite > 29_000 && afterWrite <= 30_000, `PTTL ${afterWrite}`);
    await client.pExpire(key, 10_000);
    await store.get('a');
    const afterRead = await client.pTTL(key);
    assert.ok(afterRead > 29_000, `a get hit refreshes the TTL: PTTL ${afterRead}`);
    await store.list();
    await store.size();
    await store.stats();
    await client.pExpire(key, 10_000);
    await store.list();
    assert.ok((await client.pTTL(key)) <= 10_000, 'list does not refresh');
    const { store: forever, prefix: foreverPrefix } = newStore({ ttlSeconds: 0 });
    await forever.append('a', 'user', 'x');
    assert.equal(await client.pTTL(`{${foreverPrefix}}:c:a`), -1);
  });

  it('clear deletes this prefix only: other prefixes, look-alike prefixes and foreign keys stay', async () => {
    const { store: mine, prefix } = newStore();
    const { store: other, prefix: otherPrefix } = newStore();
    await client.set(`${prefix}:c:a`, 'foreign, without the braces');
    await client.set(`{${prefix}x}:c:a`, 'foreign, another tag');
    for (const id of ['a', 'b', '*', '[a-z]']) {
      await mine.append(id, 'user', id);
      await other.append(id, 'user', id);
    }
    await mine.clear();
    assert.deepEqual(
      (await allKeys()).filter((key) => key.startsWith(`{${prefix}}:`)),
      [`{${prefix}}:meta`],
      'meta stays: eviction counts survive clear',
    );
    assert.equal(await client.get(`${prefix}:c:a`), 'foreign, without the braces');
    assert.equal(await client.get(`{${prefix}x}:c:a`), 'foreign, another tag');
    assert.equal(await other.size(), 4);
    assert.ok((await allKeys()).includes(`{${otherPrefix}}:c:*`));
    assert.equal(await mine.size(), 0);
  });

  it('two stores on one prefix are one memory: what one writes the other reads, and the caps are shared', async () => {
    const first = new RedisStore({ client, prefix: 'shared-prefix', maxConversations: 2 });
    const evicted: Array<[string, EvictionReason]> = [];
    const second = new RedisStore({
      client,
      prefix: 'shared-prefix',
      maxConversations: 2,
      onEvict: (id, reason) => evicted.push([id, reason]),
    });
    open.push(first, second);
    await first.append('a', 'user', 'from the first');
    assert.deepEqual(
      (await second.get('a')).map((turn) => turn.content),
      ['from the first'],
    );
    await first.append('b', 'user', 'b');
    await second.append('c', 'user', 'c');
    assert.deepEqual(evicted, [['a', 'lru']], 'the store whose call evicted reports it');
    assert.equal((await first.stats()).evictions.lru, 1, 'counts live in Redis, shared');
  });

  it('sends exactly one command per call: one EVALSHA, nothing else', async () => {
    const { store } = newStore({ maxConversations: 3 });
    // Load every script once, so no NOSCRIPT round trip is counted below.
    await store.append('warm', 'user', 'x');
    await store.get('warm');
    await store.delete('nobody');
    await store.list();
    await store.size();
    await store.stats();
    await store.clear();
    const monitor = await RedisMonitor.start(server.port);
    try {
      const calls: Array<() => Promise<unknown>> = [
        () => store.append('a', 'user', 'one'),
        () =>
          store.appendMany('a', [
            { role: 'user', content: 'two' },
            { role: 'assistant', content: 'three' },
          ]),
        () => store.append('b', 'user', 'b'),
        () => store.append('c', 'user', 'c'),
        () => store.append('d', 'user', 'd'), // evicts 'a' by the LRU cap, in the same script
        () => store.get('b'),
        () => store.get('unknown'),
        () => store.list({ limit: 1 }),
        () => store.size(),
        () => store.stats(),
        () => store.delete('b'),
        () => store.clear(),
      ];
      for (const call of calls) await call();
      await server.command('PING', 'end-of-test');
      await monitor.waitFor((command) => command.words[0] === 'PING' && command.words[1] === 'end-of-test');
      const sent = monitor.commands.filter((command) => command.source !== 'lua' && command.words[0] !== 'PING');
      assert.equal(sent.length, calls.length, `one command per call; got ${sent.map((command) => command.words[0]).join(', ')}`);
      assert.ok(
        sent.every((command) => command.words[0] === 'EVALSHA'),
        'every call is an EVALSHA',
      );
      assert.ok(
        monitor.commands.some((command) => command.source === 'lua' && command.words[0] === 'TIME'),
        'the scripts read the server clock',
      );
    } finally {
      monitor.stop();
    }
  });

  it('after SCRIPT FLUSH the next call still works: EVALSHA, NOSCRIPT, then EVAL once', async () => {
    const { store } = newStore();
    await store.append('a', 'user', 'before the flush');
    await client.scriptFlush();
    const monitor = await RedisMonitor.start(server.port);
    try {
      await store.append('a', 'user', 'after the flush');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['before the flush', 'after the flush'],
      );
      await server.command('PING', 'end-of-test');
      await monitor.waitFor((command) => command.words[1] === 'end-of-test');
      const sent = monitor.commands
        .filter((command) => command.source !== 'lua' && command.words[0] !== 'PING')
        .map((command) => command.words[0]);
      // append: EVALSHA (NOSCRIPT), EVAL (which caches it again); get: EVALSHA (NOSCRIPT), EVAL.
      assert.deepEqual(sent, ['EVALSHA', 'EVAL', 'EVALSHA', 'EVAL']);
      sent.length = 0;
      assert.equal((await client.scriptExists([SCRIPTS.append.sha1, SCRIPTS.get.sha1])).join(), '1,1', 'EVAL cached the scripts again');
    } finally {
      monitor.stop();
    }
  });

  it('scores a touch with the server time in µs, and just above the highest score should one be ahead of it', async () => {
    const { store, prefix } = newStore();
    const lru = `{${prefix}}:lru`;
    const before = Date.now() * 1000;
    await store.append('a', 'user', 'x');
    const scoreA = Number(await client.zScore(lru, 'a'));
    assert.ok(Math.abs(scoreA - before) < 60e6, `${scoreA} is the time in microseconds`);
    // As if 'a' had been touched while the server's clock ran an hour ahead, then was set back.
    const ahead = scoreA + 3600e6;
    await client.zAdd(lru, { score: ahead, value: 'a' });
    await store.append('b', 'user', 'y');
    assert.equal(Number(await client.zScore(lru, 'b')), ahead + 1, 'b ranks just above the highest score');
    await store.get('c'); // a miss touches nothing
    await store.append('c', 'user', 'z');
    assert.equal(Number(await client.zScore(lru, 'c')), ahead + 2);
    assert.deepEqual(
      (await store.list()).items.map((item) => item.id),
      ['c', 'b', 'a'],
    );
  });

  it("takes time from the Redis server, never from this host's clock", async () => {
    const { store } = newStore();
    const realNow = Date.now;
    const realMs = realNow();
    // A host whose clock says 1970: the stamps must still be the server's time.
    Date.now = () => 0;
    try {
      await store.append('a', 'user', 'x');
      const [turn] = await store.get('a');
      const [item] = (await store.list()).items;
      for (const seconds of [turn!.ts, item!.lastAccess])
        assert.ok(Math.abs(seconds * 1000 - realMs) < 60_000, `${seconds} is the server's time`);
    } finally {
      Date.now = realNow;
    }
  });

  /** The server's client count once it has stopped changing (a client closed a moment ago may still be listed). */
  const settledClientCount = async (): Promise<number> => {
    let count = (await client.clientList()).length;
    for (let i = 0; i < 100; i++) {
      await sleep(10);
      const now = (await client.clientList()).length;
      if (now === count) return count;
      count = now;
    }
    return count;
  };

  it('close() leaves a client the caller passed open, and closes the one it made from a url', async () => {
    const { store } = newStore();
    await store.append('a', 'user', 'x');
    await store.close();
    assert.equal(await client.ping(), 'PONG');
    const clientsBefore = (await client.clientList()).length;
    const owned = new RedisStore({ url: server.url, prefix: 'owned' });
    await owned.append('a', 'user', 'x');
    assert.equal((await client.clientList()).length, clientsBefore + 1);
    await owned.close();
    for (let i = 0; i < 100 && (await client.clientList()).length > clientsBefore; i++) await sleep(10);
    assert.equal((await client.clientList()).length, clientsBefore);
    await assert.rejects(owned.get('a'), { code: 'TURNSTORE_CLOSED' });
  });

  it('from a url without `connections` it opens one connection: calls made without awaiting run in the order made, whatever their conversation', async () => {
    const clientsBefore = await settledClientCount();
    const store = new RedisStore({ url: server.url, prefix: 'one-lane', maxTurns: 200 });
    try {
      // Loads the scripts: a call whose script Redis has not cached yet is sent again after later calls.
      await store.append('warm-up', 'user', 'x');
      await store.size();
      await store.delete('warm-up');
      const ids = Array.from({ length: 8 }, (_, i) => `any-${i}`);
      const sizes: Array<Promise<number>> = [];
      for (const [k, id] of ids.entries()) {
        void store.append(id, 'user', 'x');
        sizes.push(store.size());
        if (k % 2 === 1) void store.delete(ids[k - 1]!);
      }
      // Each size() ran after every call made before it: the appends so far, less the deletes.
      assert.deepEqual(await Promise.all(sizes), [1, 2, 2, 3, 3, 4, 4, 5]);
      assert.equal((await client.clientList()).length, clientsBefore + 1);
    } finally {
      await store.close();
    }
  });

  it('from a url it opens `connections` connections, and calls on one conversation made without awaiting run in the order made', async () => {
    const clientsBefore = await settledClientCount();
    const lanes = 3;
    const ids = Array.from({ length: 9 }, (_, i) => `ordered-${i}`);
    assert.equal(new Set(ids.map((id) => laneOf(id, lanes))).size, lanes, 'the ids cover every lane');
    const store = new RedisStore({ url: server.url, prefix: 'lanes', connections: lanes, maxTurns: 200 });
    try {
      const calls: Array<Promise<unknown>> = [];
      for (let k = 0; k < 150; k++) for (const id of ids) calls.push(store.append(id, 'user', `${id}:${k}`));
      await Promise.all(calls);
      assert.equal((await client.clientList()).length, clientsBefore + lanes);
      for (const id of ids) {
        const turns = await store.get(id);
        assert.deepEqual(
          turns.map((turn) => turn.content),
          Array.from({ length: 150 }, (_, k) => `${id}:${k}`),
          id,
        );
      }
      assert.equal(await store.size(), ids.length);
    } finally {
      await store.close();
    }
    for (let i = 0; i < 100 && (await client.clientList()).length > clientsBefore; i++) await sleep(10);
    assert.equal((await client.clientList()).length, clientsBefore, 'close() closes every connection');
  });

  it('the sweep forgets and reports expired conversations with no call to the store', async () => {
    const evicted: Array<[string, EvictionReason]> = [];
    const { store, prefix } = newStore({ ttlSeconds: 0.5, onEvict: (id, reason) => evicted.push([id, reason]) });
    await store.append('a', 'user', 'x');
    // The sweep runs every second at this TTL; give it two chances.
    for (let i = 0; i < 60 && evicted.length === 0; i++) await sleep(50);
    assert.deepEqual(evicted, [['a', 'ttl']]);
    assert.equal(await client.zCard(`{${prefix}}:lru`), 0, 'gone from the index, not only from the keyspace');
  });

  it('a client that was never connected makes calls reject with TURNSTORE_BACKEND_UNAVAILABLE saying so', async () => {
    const unconnected = createClient({ url: server.url });
    const store = new RedisStore({ client: unconnected, prefix: 'unconnected' });
    await assert.rejects(
      store.get('a'),
      (error: TurnstoreError) => error.code === 'TURNSTORE_BACKEND_UNAVAILABLE' && error.message.includes('client.connect()'),
    );
    await store.close();
  });
});
