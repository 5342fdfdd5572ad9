/**
 * RedisStore's combined appends: the appends made on one connection in one turn of the event loop
 * go to Redis as one run of the appends script, which must apply each exactly as the append
 * script alone would, in order — and a call that fails there fails alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TurnstoreError, type Role, type TurnInput } from '../../src/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { SCRIPTS } from '../../src/redis/scripts.js';
import { RedisMonitor, RedisTestServer, redisUnavailable } from '../support/redis-server.js';

const CAPS = { maxTurns: 3, maxConversations: 3, maxTurnBytes: 200, maxTotalBytes: 900 } as const;
/** Room for every conversation of the sequences, and a byte budget that bites now and then. */
const SUMMARY_CAPS = { ...CAPS, maxConversations: 5, maxTotalBytes: 1800 } as const;
const ROLES: readonly Role[] = ['user', 'assistant', 'system', 'tool'];

/**
 * A fixed pseudo-random sequence of append calls: ids, turns, content lengths that make every cap
 * bite, and about one call in three replacing its conversation's newest turns.
 */
function callSequence(seed: number, length: number): Array<{ id: string; turns: TurnInput[]; replace: number }> {
  let state = seed;
  const next = (below: number): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((state / 2_147_483_648) * below);
  };
  let k = 0;
  return Array.from({ length }, () => ({
    id: `conversation ${next(5)}`,
    turns: Array.from({ length: 1 + next(4) }, () => ({ role: ROLES[next(4)]!, content: `${k++}:`.padEnd(10 + next(190), 'x') })),
    replace: Math.max(0, next(6) - 3),
  }));
}

describe('RedisStore combining appends', { skip: redisUnavailable() }, () => {
  let server: RedisTestServer;
  before(async () => {
    server = await RedisTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('appends made in one tick (replacements among them) go as one script run, and leave the same turns, counts and evictions (in order) as one at a time', async () => {
    const evictions: Record<string, string[]> = { single: [], combined: [] };
    const open = (prefix: 'single' | 'combined') =>
      new RedisStore({
        url: server.url,
        prefix,
        connections: 1,
        ...CAPS,
        onEvict: (id, reason) => evictions[prefix]!.push(`${reason} ${id}`),
      });
    const single = open('single');
    const combined = open('combined');
    try {
      await single.size();
      await combined.append('warm-up', 'user', 'x'); // loads the scripts: no NOSCRIPT below
      await combined.appendMany('warm-up', [{ role: 'user', content: 'y' }]);
      await Promise.all([combined.append('warm-up', 'user', 'z'), combined.append('warm-up', 'user', 'w')]);
      await combined.clear();
      evictions.combined!.length = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const calls = callSequence(seed, 30);
        assert.ok(calls.some((call) => call.replace > 0));
        for (const call of calls) await single.appendMany(call.id, call.turns, { replaceNewest: call.replace });
        const monitor = await RedisMonitor.start(server.port);
        try {
          await Promise.all(calls.map((call) => combined.appendMany(call.id, call.turns, { replaceNewest: call.replace })));
          await server.command('PING', 'end-of-batch');
          await monitor.waitFor((command) => command.words[0] === 'PING' && command.words[1] === 'end-of-batch');
        } finally {
          monitor.stop();
        }
        const sent = monitor.commands.filter((command) => command.source !== 'lua' && command.words[0] !== 'PING');
        assert.deepEqual(
          sent.map((command) => command.words.slice(0, 2)),
          [['EVALSHA', SCRIPTS.appends.sha1]],
          `seed ${seed}: one script run of appends`,
        );
        for (const id of new Set(calls.map((call) => call.id))) {
          const turns = async (store: RedisStore) => (await store.get(id)).map((turn) => `${turn.role} ${turn.content}`);
          assert.deepEqual(await turns(combined), await turns(single), `seed ${seed}: ${id}`);
        }
        assert.deepEqual(await combined.stats(), await single.stats(), `seed ${seed}: counts`);
        assert.deepEqual(evictions.combined, evictions.single, `seed ${seed}: evictions`);
        await single.clear();
        await combined.clear();
      }
    } finally {
      await single.close();
      await combined.close();
    }
  });

  it('with summaries at the lists’ heads, a combined run keeps each summary first (the turn cap, replacements and the byte budget step around it) and leaves the same as one at a time', async () => {
    const evictions: Record<string, string[]> = { single: [], combined: [] };
    const open = (prefix: 'single' | 'combined') =>
      new RedisStore({
        url: server.url,
        prefix: `summaries-${prefix}`,
        connections: 1,
        ...SUMMARY_CAPS,
        onEvict: (id, reason) => evictions[prefix]!.push(`${reason} ${id}`),
      });
    const single = open('single');
    const combined = open('combined');
    // The same conversations, each with a summary, in both stores (one call at a time).
    const prepare = async (store: RedisStore, seed: number) => {
      for (let c = 0; c < 3; c++) {
        const id = `conversation ${(seed + c) % 5}`;
        await store.appendMany(id, [
          { role: 'user', content: `${seed} ${c} old` },
          { role: 'assistant', content: `${seed} ${c} older` },
        ]);
        const seen = await store.get(id);
        await store.compact(id, {
          summary: `summary ${seed} ${c} `.padEnd(20 + ((seed * 37 + c * 71) % 180), 's'),
          through: seen[0]!,
          seen,
        });
      }
    };
    const read = async (store: RedisStore, id: string) =>
      (await store.get(id)).map((turn) => `${turn.summary === true ? 'summary' : turn.role} ${turn.content}`);
    try {
      await single.size();
      await combined.append('warm-up', 'user', 'x'); // loads the scripts: no NOSCRIPT below
      await Promise.all([combined.append('warm-up', 'user', 'z'), combined.append('warm-up', 'user', 'w')]);
      await combined.clear();
      evictions.combined!.length = 0;
      let summariesKept = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const calls = callSequence(seed + 100, 30);
        await prepare(single, seed);
        await prepare(combined, seed);
        for (const call of calls) await single.appendMany(call.id, call.turns, { replaceNewest: call.replace });
        await Promise.all(calls.map((call) => combined.appendMany(call.id, call.turns, { replaceNewest: call.replace })));
        for (let c = 0; c < 5; c++) {
          const id = `conversation ${c}`;
          const turns = await read(combined, id);
          assert.deepEqual(turns, await read(single, id), `seed ${seed}: ${id}`);
          turns.forEach((turn, at) => assert.ok(at === 0 || !turn.startsWith('summary '), `seed ${seed}: ${id}: a summary only first`));
          if (turns[0]?.startsWith('summary ') === true) summariesKept++;
          assert.ok(
            turns.filter((turn) => !turn.startsWith('summary ')).length <= SUMMARY_CAPS.maxTurns,
            `seed ${seed}: ${id}: the turn cap does not count the summary`,
          );
        }
        assert.deepEqual(await combined.stats(), await single.stats(), `seed ${seed}: counts`);
        assert.deepEqual(evictions.combined, evictions.single, `seed ${seed}: evictions`);
        await single.clear();
        await combined.clear();
      }
      assert.ok(summariesKept > 10, `summaries outlived the combined runs in many conversations (${summariesKept})`);
    } finally {
      await single.close();
      await combined.close();
    }
  });

  it('pop and replaceNewest keep call order on a connection: a replacement rides in the combined run, a pop sends the waiting appends first', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'ordered', connections: 1, maxTurns: 10 });
    try {
      await store.append('warm-up', 'user', 'x'); // loads the scripts: no NOSCRIPT below
      await Promise.all([store.append('warm-up', 'user', 'y'), store.append('warm-up', 'user', 'z'), store.pop('warm-up')]);
      await store.clear();
      const monitor = await RedisMonitor.start(server.port);
      let outcomes: unknown[];
      try {
        outcomes = await Promise.all([
          store.append('o', 'user', 'one'),
          store.appendMany('o', [{ role: 'user', content: 'two' }], { replaceNewest: 1 }),
          store.append('o', 'user', 'three'),
          store.pop('o'),
          store.append('o', 'user', 'four'),
          store.appendMany('o', [], { replaceNewest: 1 }),
          store.append('o', 'user', 'five'),
        ]);
        await server.command('PING', 'end-of-calls');
        await monitor.waitFor((command) => command.words[0] === 'PING' && command.words[1] === 'end-of-calls');
      } finally {
        monitor.stop();
      }
      assert.equal((outcomes[3] as { content: string }).content, 'three', 'pop came after the three appends before it');
      assert.deepEqual(
        (await store.get('o')).map((turn) => turn.content),
        ['two', 'five'],
      );
      const sent = monitor.commands.filter((command) => command.source !== 'lua' && command.words[0] !== 'PING');
      assert.deepEqual(
        sent.map((command) => command.words[1]),
        [SCRIPTS.appends.sha1, SCRIPTS.pop.sha1, SCRIPTS.append.sha1, SCRIPTS.pop.sha1, SCRIPTS.append.sha1],
        'one run of the first three (the replacement among them), the pop, then the rest in order',
      );
      const { conversations, turns, bytes } = await store.stats();
      assert.deepEqual({ conversations, turns, bytes }, { conversations: 1, turns: 2, bytes: 'two'.length + 'five'.length });
    } finally {
      await store.close();
    }
  });

  it('a call that fails inside a combined run fails alone: the others are stored, in order', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'failing', connections: 1, maxTurns: 10 });
    try {
      await store.size();
      // A key of the wrong type where a conversation's list belongs: RPUSH there fails.
      await server.command('SET', '{failing}:c:broken', 'not a list');
      const outcomes = await Promise.allSettled([
        store.append('one', 'user', 'one 1'),
        store.append('broken', 'user', 'lost'),
        store.append('one', 'user', 'one 2'),
        store.append('two', 'user', 'two 1'),
      ]);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const failure = (outcomes[1] as PromiseRejectedResult).reason as TurnstoreError;
      assert.equal(failure.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.match(failure.message, /WRONGTYPE/);
      assert.deepEqual(
        (await store.get('one')).map((turn) => turn.content),
        ['one 1', 'one 2'],
      );
      assert.deepEqual(
        (await store.get('two')).map((turn) => turn.content),
        ['two 1'],
      );
      assert.equal((await store.stats()).turns, 3);
    } finally {
      await store.close();
    }
  });
  it('in one run, a call alone over the byte budget drops its own oldest turns, and the calls after it see the byte total without them', async () => {
    const evictions: string[] = [];
    const store = new RedisStore({
      url: server.url,
      prefix: 'budget',
      connections: 1,
      maxTurnBytes: 100,
      maxTotalBytes: 100,
      onEvict: (id, reason) => evictions.push(`${reason} ${id}`),
    });
    try {
      await store.size();
      await Promise.all([
        store.append('big', 'user', 'a'.repeat(60)),
        store.append('big', 'assistant', 'b'.repeat(60)),
        store.append('small', 'user', 'c'.repeat(10)),
      ]);
      assert.deepEqual(evictions, [], '60 + 10 bytes are within the budget: nothing to evict');
      assert.deepEqual(
        (await store.get('big')).map((turn) => turn.content),
        ['b'.repeat(60)],
      );
      const { conversations, turns, bytes } = await store.stats();
      assert.deepEqual({ conversations, turns, bytes }, { conversations: 2, turns: 2, bytes: 70 });
    } finally {
      await store.close();
    }
  });
  it('a combined run over more conversations than one HMGET, HSET or ZADD slice takes keeps every count and the recency order', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'wide', connections: 1, maxConversations: 5000 });
    try {
      const ids = Array.from({ length: 1100 }, (_, k) => `wide ${k}`);
      await store.appendMany(ids[0]!, [{ role: 'user', content: 'first' }]);
      const monitor = await RedisMonitor.start(server.port);
      try {
        // Every conversation once, then the first 300 again: one run of 1,400 appends.
        await Promise.all([...ids, ...ids.slice(0, 300)].map((id, k) => store.append(id, 'user', `${k}`.padEnd(1 + (k % 50), '.'))));
        await server.command('PING', 'end-of-wide');
        await monitor.waitFor((command) => command.words[0] === 'PING' && command.words[1] === 'end-of-wide');
      } finally {
        monitor.stop();
      }
      const sent = monitor.commands.filter((command) => command.source !== 'lua' && command.words[0] !== 'PING');
      assert.equal(sent.length, 1, 'one script run');
      const inScript = monitor.commands.filter((command) => command.source === 'lua');
      assert.equal(inScript.filter((command) => command.words[0] === 'HMGET').length, 2);
      assert.ok(inScript.filter((command) => command.words[0] === 'HSET').length >= 2);
      assert.ok(inScript.filter((command) => command.words[0] === 'ZADD').length >= 2);
      // Recency follows the calls: the 300 appended twice are the newest, the last one first.
      const newest = await store.list({ limit: 301 });
      assert.deepEqual(
        newest.items.slice(0, 2).map((item) => item.id),
        ['wide 299', 'wide 298'],
      );
      assert.deepEqual(
        newest.items.slice(299).map((item) => item.id),
        ['wide 0', 'wide 1099'],
      );
      let stored = 0;
      for (const id of ids) for (const turn of await store.get(id)) stored += Buffer.byteLength(turn.content);
      // The gets above touched every conversation in order; the byte total and each count agree.
      const { conversations, turns, bytes } = await store.stats();
      assert.deepEqual({ conversations, turns, bytes }, { conversations: 1100, turns: 1401, bytes: stored });
      for (const id of ids.slice(0, 550)) await store.delete(id);
      let left = 0;
      for (const id of ids.slice(550)) for (const turn of await store.get(id)) left += Buffer.byteLength(turn.content);
      assert.equal((await store.stats()).bytes, left, 'each deleted conversation took exactly its own bytes');
      assert.deepEqual(
        (await store.list({ limit: 3 })).items.map((item) => item.id),
        ['wide 1099', 'wide 1098', 'wide 1097'],
      );
    } finally {
      await store.close();
    }
  });
  it('a combined run of appends to live conversations finds the recency score once and writes the index, the byte counts and the byte total once, not once per call', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'lean', connections: 1, maxTurns: 2 });
    try {
      for (const id of ['a', 'b', 'c', 'd'])
        await store.appendMany(id, [
          { role: 'user', content: `${id} 1` },
          { role: 'assistant', content: `${id} 2` },
        ]);
      const monitor = await RedisMonitor.start(server.port);
      try {
        await Promise.all(['a', 'b', 'c', 'd', 'a'].map((id, k) => store.append(id, 'user', `${id} next ${k}`)));
        await server.command('PING', 'end-of-calls');
        await monitor.waitFor((command) => command.words[0] === 'PING' && command.words[1] === 'end-of-calls');
      } finally {
        monitor.stop();
      }
      const inScript = monitor.commands.filter((command) => command.source === 'lua').map((command) => command.words.join(' '));
      // The prelude's expiry count has '-inf' first; the touch's counts from the time up to '+inf'.
      assert.equal(inScript.filter((command) => /^ZCOUNT \S+ \S+ \+inf$/.test(command)).length, 1, inScript.join('\n'));
      // One ZADD for the five touches, in call order (a second touch of a moves it last).
      const touches = inScript.filter((command) => /^ZADD /.test(command));
      assert.deepEqual(
        touches.map((command) => command.split(' ').filter((_, k) => k >= 3 && k % 2 === 1)),
        [['a', 'b', 'c', 'd', 'a']],
        inScript.join('\n'),
      );
      assert.equal(inScript.filter((command) => /^HINCRBY \S+:meta bytes /.test(command)).length, 1, inScript.join('\n'));
      // The conversations' byte counts: read in one HMGET, written in one HSET.
      assert.equal(inScript.filter((command) => /^HINCRBY \S+:bytes /.test(command)).length, 0, inScript.join('\n'));
      assert.equal(inScript.filter((command) => /^HMGET \S+:bytes a b c d$/.test(command)).length, 1, inScript.join('\n'));
      assert.equal(inScript.filter((command) => /^HSET \S+:bytes /.test(command)).length, 1, inScript.join('\n'));
      // Per call, its own three: push, trim, expiry.
      for (const name of ['RPUSH', 'LPOP', 'PEXPIRE']) {
        assert.equal(inScript.filter((command) => command.startsWith(`${name} `)).length, 5, `${name}: ${inScript.join('\n')}`);
      }
      // And once per run: TIME, the expiry count, the byte total read, the counts read, the recency
      // count, the ZADD, the counts written, the byte total written.
      assert.equal(inScript.length, 5 * 3 + 8, inScript.join('\n'));
      // Recency still follows the calls: d, then a (touched last) are the newest.
      assert.deepEqual(
        (await store.list({ limit: 4 })).items.map((item) => item.id),
        ['a', 'd', 'c', 'b'],
      );
      const { conversations, turns, bytes } = await store.stats();
      assert.deepEqual({ conversations, turns }, { conversations: 4, turns: 8 });
      let stored = 0;
      for (const id of ['a', 'b', 'c', 'd']) for (const turn of await store.get(id)) stored += Buffer.byteLength(turn.content);
      assert.equal(bytes, stored);
    } finally {
      await store.close();
    }
  });
});
