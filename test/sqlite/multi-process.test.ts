import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { checkCompactRace, checkRace, RACE_OPTIONS, raceSeed, seedCompactRace, seedRace } from '../support/shared-writers.js';
import { runAppenders } from './appender-process.js';

// Several processes on one file (SPEC §5): every call is one transaction in the file, so the caps
// hold across processes, and no SQLITE_BUSY escapes while they contend for the write lock.

const temp = tempDirForThisFile('turnstore-sqlite-processes-');
const WORKERS = 4;
const TIMEOUT_MS = 120_000;

/** The index i of a turn `w<worker>-<i>`, per worker, in the order the turns are stored. */
function indicesByWorker(contents: readonly string[]): Map<number, number[]> {
  const byWorker = new Map<number, number[]>();
  for (const content of contents) {
    const match = /^w(\d+)-(\d+)$/.exec(content);
    assert.ok(match, `unexpected turn ${content}`);
    const worker = Number(match[1]);
    if (!byWorker.has(worker)) byWorker.set(worker, []);
    byWorker.get(worker)!.push(Number(match[2]));
  }
  return byWorker;
}

describe('SqliteStore shared by several processes', { timeout: TIMEOUT_MS }, () => {
  it(`${WORKERS} processes appending to one conversation keep exactly the newest maxTurns, each process's turns in order`, async () => {
    const path = temp.file('one.db');
    const count = 250;
    const maxTurns = 10;
    const reports = await runAppenders(
      Array.from({ length: WORKERS }, (_, worker) => ({ path, mode: 'one' as const, worker, count, options: { maxTurns } })),
    );
    for (const report of reports) assert.ok(report.largestSeen <= maxTurns, `worker ${report.worker} saw ${report.largestSeen} turns`);
    const store = new SqliteStore({ path, maxTurns });
    try {
      const turns = await store.get('shared');
      assert.equal(turns.length, maxTurns);
      for (let i = 1; i < turns.length; i++) assert.ok(turns[i]!.ts >= turns[i - 1]!.ts, 'stamped in the order stored');
      // The kept turns are the last maxTurns stored. Each worker appends one after another, so of
      // each worker's turns, the kept ones are its last ones, consecutive and in order.
      for (const [worker, indices] of indicesByWorker(turns.map((turn) => turn.content))) {
        const expected = Array.from({ length: indices.length }, (_, k) => count - indices.length + k);
        assert.deepEqual(indices, expected, `worker ${worker}: the newest of its turns, in order`);
      }
      const stats = await store.stats();
      assert.equal(stats.conversations, 1);
      assert.equal(stats.turns, maxTurns);
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes appending to one conversation with room for all lose no turn`, async () => {
    const path = temp.file('all.db');
    const count = 250;
    const reports = await runAppenders(
      Array.from({ length: WORKERS }, (_, worker) => ({
        path,
        mode: 'one' as const,
        worker,
        count,
        options: { maxTurns: WORKERS * count },
      })),
    );
    assert.equal(reports.length, WORKERS);
    const store = new SqliteStore({ path, maxTurns: WORKERS * count });
    try {
      const turns = await store.get('shared');
      assert.equal(turns.length, WORKERS * count);
      const byWorker = indicesByWorker(turns.map((turn) => turn.content));
      assert.equal(byWorker.size, WORKERS);
      for (const [worker, indices] of byWorker)
        assert.deepEqual(
          indices,
          Array.from({ length: count }, (_, i) => i),
          `worker ${worker}: every turn, in order`,
        );
      const interleaved = turns.some((turn, i) => i > 0 && turn.content.split('-')[0] !== turns[i - 1]!.content.split('-')[0]);
      assert.ok(interleaved, 'the workers really ran at the same time');
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes creating conversations hold maxConversations; evictions are counted once, in the file`, async () => {
    const path = temp.file('many.db');
    const count = 100;
    const maxConversations = 50;
    const reports = await runAppenders(
      Array.from({ length: WORKERS }, (_, worker) => ({ path, mode: 'many' as const, worker, count, options: { maxConversations } })),
    );
    for (const report of reports)
      assert.ok(report.largestSeen <= maxConversations, `worker ${report.worker} saw ${report.largestSeen} conversations`);
    const evictedHere = reports.reduce((sum, report) => sum + (report.evicted.lru ?? 0), 0);
    const evictedTotal = WORKERS * count - maxConversations;
    assert.equal(evictedHere, evictedTotal, 'each eviction reported to onEvict in exactly one process');
    const store = new SqliteStore({ path, maxConversations });
    try {
      assert.equal(await store.size(), maxConversations);
      const stats = await store.stats();
      assert.deepEqual(stats.evictions, { ttl: 0, lru: evictedTotal, bytes: 0 });
      assert.equal(stats.turns, maxConversations);
      const { items, cursor } = await store.list({ limit: 1000 });
      assert.equal(cursor, undefined);
      assert.equal(items.length, maxConversations);
      // The survivors are the last created; of each worker's, its last ones.
      const survivors = new Map<number, number[]>();
      for (const item of items) {
        const match = /^w(\d+)-c(\d+)$/.exec(item.id);
        assert.ok(match, item.id);
        assert.deepEqual(
          item.turns.map((turn) => turn.content),
          [`hello from ${item.id}`],
        );
        const worker = Number(match[1]);
        survivors.set(worker, [...(survivors.get(worker) ?? []), Number(match[2])]);
      }
      for (const [worker, indices] of survivors) {
        const sorted = [...indices].sort((a, b) => a - b);
        assert.deepEqual(
          sorted,
          Array.from({ length: sorted.length }, (_, k) => count - sorted.length + k),
          `worker ${worker}: its newest conversations survive`,
        );
        assert.deepEqual(indices, [...sorted].reverse(), `worker ${worker}: listed most recent first`);
      }
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes racing pops, replacements and appends on one conversation lose and double no turn`, async () => {
    const path = temp.file('race.db');
    const rounds = 90;
    const seed = raceSeed(WORKERS, rounds);
    const seeder = new SqliteStore({ path, ...RACE_OPTIONS });
    await seedRace(seeder, seed);
    await seeder.close();
    const reports = await runAppenders(
      Array.from({ length: WORKERS }, (_, worker) => ({ path, mode: 'race' as const, worker, count: rounds, options: RACE_OPTIONS })),
    );
    const store = new SqliteStore({ path, ...RACE_OPTIONS });
    try {
      await checkRace(
        store,
        seed,
        reports.map((report) => report.race!),
      );
    } finally {
      await store.close();
    }
  });

  it(`${WORKERS} processes racing appends and compactions on one conversation lose no turn and fold none twice`, async (t) => {
    const path = temp.file('compact-race.db');
    const rounds = 60;
    const seeder = new SqliteStore({ path, ...RACE_OPTIONS });
    await seedCompactRace(seeder);
    await seeder.close();
    const reports = await runAppenders(
      Array.from({ length: WORKERS }, (_, worker) => ({
        path,
        mode: 'compact-race' as const,
        worker,
        count: rounds,
        options: RACE_OPTIONS,
      })),
    );
    const store = new SqliteStore({ path, ...RACE_OPTIONS });
    try {
      const { compactions, conflicts } = await checkCompactRace(
        store,
        reports.map((report) => report.compactRace!),
      );
      assert.ok(compactions > 0, 'some compactions went through');
      t.diagnostic(`${compactions} compactions, ${conflicts} refused as conflicts`);
    } finally {
      await store.close();
    }
  });
});
