import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MemoryStore, type EvictionReason } from '../../src/index.js';

// Behaviour of the memory backend beyond the shared contract (test/conformance covers that).

describe('MemoryStore clocks', () => {
  it('measures TTL on a monotonic clock: a wall-clock jump neither expires nor keeps conversations', async (t) => {
    const realNow = Date.now;
    let shift = 0;
    Date.now = () => realNow() + shift;
    t.after(() => {
      Date.now = realNow;
    });
    const store = new MemoryStore({ ttlSeconds: 0.6 });
    t.after(() => store.close());
    await store.append('pi', 'user', 'before the clock was set');
    shift = 365 * 24 * 3600 * 1000; // the network sets the clock a year forward
    assert.equal((await store.get('pi')).length, 1, 'a forward jump expires nothing');
    await sleep(150); // the store looks at the wall clock every 100 ms
    await store.append('pi', 'assistant', 'after');
    const [before, after] = await store.get('pi');
    assert.ok(after!.ts - before!.ts > 364 * 24 * 3600, 'ts follows the wall clock');
    shift = -2 * 365 * 24 * 3600 * 1000; // and two years back
    await sleep(750); // real time passes beyond the TTL
    assert.deepEqual(await store.get('pi'), [], 'a backward jump keeps nothing alive past its TTL');
  });

  it('keeps recency order when an injected clock goes backwards', async () => {
    let now = 10_000;
    const store = new MemoryStore({ now: () => now, ttlSeconds: 5, maxConversations: 2 });
    await store.append('a', 'user', '1');
    now = 1_000;
    await store.append('b', 'user', '2');
    await store.append('c', 'user', '3'); // evicts the least recently used: a
    assert.deepEqual(
      (await store.list()).items.map((item) => item.id),
      ['c', 'b'],
    );
    now = 15_000; // exactly the TTL after the largest reading seen: still alive
    assert.equal(await store.size(), 2);
    now = 15_001;
    assert.equal(await store.size(), 0);
    await store.close();
  });
});

describe('MemoryStore sweep', () => {
  it('frees expired conversations on a timer, with nobody touching the store', async (t) => {
    let now = 0;
    const evicted: Array<[string, EvictionReason]> = [];
    const store = new MemoryStore({ now: () => now, ttlSeconds: 0.5, onEvict: (id, reason) => evicted.push([id, reason]) });
    t.after(() => store.close());
    await store.append('idle', 'user', 'hello');
    now = 501;
    await sleep(1_300); // the sweep runs every max(1 s, ttl / 2)
    assert.deepEqual(evicted, [['idle', 'ttl']]);
  });

  it('never keeps the process alive', () => {
    const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
    const script = `import { MemoryStore } from ${JSON.stringify(index)}; const s = new MemoryStore({ ttlSeconds: 3600 }); await s.append('a', 'user', 'x');`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('MemoryStore growth', () => {
  it('grows its tables and evicts in LRU order across many conversations', async () => {
    const evicted: string[] = [];
    const store = new MemoryStore({ maxConversations: 3000, maxTurns: 3, ttlSeconds: 0, onEvict: (id) => evicted.push(id) });
    for (let i = 0; i < 5000; i++) await store.append(`c${i}`, i % 2 ? 'user' : 'assistant', `turn ${i}`);
    for (let i = 2000; i < 2100; i++) await store.get(`c${i}`); // refresh a few old ones
    for (let i = 5000; i < 5100; i++) await store.append(`c${i}`, 'user', `turn ${i}`);
    assert.equal(await store.size(), 3000);
    assert.deepEqual(
      evicted.slice(0, 2000),
      Array.from({ length: 2000 }, (_, i) => `c${i}`),
    );
    assert.deepEqual(
      evicted.slice(2000),
      Array.from({ length: 100 }, (_, i) => `c${2100 + i}`),
    );
    assert.deepEqual(
      (await store.get('c2050')).map((turn) => turn.content),
      ['turn 2050'],
    );
    const stats = await store.stats();
    assert.equal(stats.turns, 3000);
    assert.equal(stats.evictions.lru, 2100);
    await store.close();
  });

  it('gives its memory back on clear and keeps working', async () => {
    const store = new MemoryStore({ maxConversations: 100 });
    for (let i = 0; i < 100; i++) await store.append(`c${i}`, 'user', 'x');
    await store.clear();
    assert.equal(await store.size(), 0);
    assert.deepEqual(await store.get('c1'), []);
    await store.append('c1', 'user', 'again');
    assert.deepEqual(
      (await store.get('c1')).map((turn) => turn.content),
      ['again'],
    );
    await store.close();
  });
});

describe('MemoryStore turns handed out, and ids', () => {
  it('a held id that expires in the sweep of the very call that found it is gone, and an append starts it anew', async () => {
    let now = 0;
    const store = new MemoryStore({ ttlSeconds: 1, now: () => now });
    await store.append('a', 'user', 'old');
    await store.append('b', 'user', 'other');
    now = 1001; // both idle past the TTL: the lookup finds them, then the same call's sweep frees them
    assert.deepEqual(await store.get('a'), []);
    await store.append('b', 'user', 'new');
    assert.deepEqual(
      (await store.get('b')).map((turn) => turn.content),
      ['new'],
    );
    assert.equal(await store.size(), 1);
    assert.deepEqual((await store.stats()).evictions, { ttl: 2, lru: 0, bytes: 0 });
    await store.close();
  });

  it('are fresh copies on every read: changing them changes neither the store nor later reads', async () => {
    const store = new MemoryStore({ now: () => 1_700_000_000_000 });
    await store.append('a', 'user', 'one');
    await store.append('a', 'assistant', 'two');
    const first = await store.get('a');
    (first[0] as { content: string }).content = 'changed';
    first.push({ role: 'user', content: 'not stored', ts: 0 });
    const second = await store.get('a');
    assert.notEqual(second, first);
    assert.notEqual(second[1], first[1], 'a new object per turn per read');
    assert.deepEqual(second, [
      { role: 'user', content: 'one', ts: 1_700_000_000 },
      { role: 'assistant', content: 'two', ts: 1_700_000_000 },
    ]);
    const [listed] = (await store.list()).items;
    (listed!.turns[0] as { content: string }).content = 'changed via list';
    assert.equal((await store.get('a'))[0]!.content, 'one');
    await store.close();
  });

  it('refuses every bad id on get and append, with ids held or not; a bad turn for a held id changes nothing', async () => {
    const store = new MemoryStore();
    await store.append('held', 'user', 'x');
    for (const bad of ['', 'x'.repeat(257), '\uD800', 5, null, undefined]) {
      await assert.rejects(store.get(bad as string), { code: 'TURNSTORE_INVALID_ID' });
      await assert.rejects(store.append(bad as string, 'user', 'y'), { code: 'TURNSTORE_INVALID_ID' });
    }
    // A held id with a bad turn: the turn is refused and nothing changes.
    await assert.rejects(store.append('held', 'robot' as 'user', 'y'), { code: 'TURNSTORE_INVALID_TURN' });
    assert.deepEqual(
      (await store.get('held')).map((turn) => turn.content),
      ['x'],
    );
    assert.equal(await store.size(), 1);
    await store.close();
  });
});
