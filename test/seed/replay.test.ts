/**
 * Seed replay: random operation logs run through the Python seed (`memory.py`, read at run time
 * from ../shared/seed or TURNSTORE_SEED_DIR) and through MemoryStore, both on the log's clock;
 * every `get` must agree on role, content and ts.
 *
 * Where the SPEC differs from the seed on purpose, the comparison applies our rule to the seed or
 * relies on the difference not showing in a `get`:
 * - Append after expiry: the seed revives the old turns (a privacy bug, SPEC §3); we start empty.
 *   The driver calls the seed's own `_maybe_prune(id)` before each append, which is our rule.
 * - The LRU cap: we remove every expired conversation before counting, the seed counts the
 *   expired ones it has not noticed yet. That never changes a `get`: an expired conversation is
 *   older than every live one (recency and TTL are refreshed together), so the seed evicts an
 *   expired one first and never a live one we keep, and the expired ones it keeps read as `[]`
 *   (its `get` prunes them first). The "expired conversations still counted" case below pins it.
 * - Expired conversations are swept by us, kept by the seed until read: invisible to `get`.
 *
 * Without the seed or python3 the test is skipped with a message, except under CI=true, where it
 * fails: CI must run it.
 */
import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { MemoryStore, ROLES } from '../../src/index.js';
import { SeedDriver, type GetResult, type LogOp, type OperationLog } from './seed-driver.js';
import { seedUnavailable } from './seed-location.js';

/** Wall clock at the start of a log: 2023-11-14, in ms. Any start in [2^30, 2^31) s works, see below. */
const START_MS = 1_700_000_000_000;
/** How far apart two ts may be and still agree, in seconds: a few ulps at 1.7e9 s (one ulp ≈ 2.4e-7 s). */
const TS_TOLERANCE_SECONDS = 1e-6;

/** Two hot ids fill up past maxTurns between evictions; the rest make the caps bite. */
const ids = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b') },
  { weight: 3, arbitrary: fc.constantFrom('c', 'd', 'e') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'émoji 🎉') },
);
const contents = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
);
/**
 * Before every op the clock moves on by at least 1 ms, so no two touches share a time: the seed's
 * LRU picks `min(_last)`, which breaks ties by dict order, and ties would make the comparison
 * depend on that rather than on recency. Besides small steps come jumps around and past the TTLs
 * (1, 2 and 5 s), landing exactly on them too, where "expired" must be strictly greater.
 */
const advances = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(999, 1000, 1001, 1999, 2000, 2001, 4999, 5000, 5001) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8000 }) },
);
const ops: fc.Arbitrary<LogOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      advanceMs: advances,
      id: ids,
      role: fc.constantFrom(...ROLES),
      content: contents,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), advanceMs: advances, id: ids }) },
);
/**
 * TTLs are whole seconds: then `now − lastAccess` in the seed's float seconds is exact whenever it
 * equals the TTL (both times have the same fraction of a second and lie in one binade, so they
 * round alike), and off by at least 1 ms otherwise. A fractional TTL would make the seed's
 * rounding, not the rule, decide the boundary.
 */
const logs: fc.Arbitrary<OperationLog> = fc.record({
  maxTurns: fc.integer({ min: 1, max: 4 }),
  ttlSeconds: fc.constantFrom(0, 1, 2, 5),
  maxConversations: fc.integer({ min: 1, max: 4 }),
  startMs: fc.integer({ min: START_MS, max: START_MS + 100_000_000_000 }),
  ops: fc.array(ops, { minLength: 1, maxLength: 80 }),
});

/** Replays a log through MemoryStore on an injected clock; what each `get` returned. */
async function replayTurnstore(log: OperationLog): Promise<GetResult[]> {
  let now = log.startMs;
  const store = new MemoryStore({
    maxTurns: log.maxTurns,
    ttlSeconds: log.ttlSeconds,
    maxConversations: log.maxConversations,
    now: () => now,
  });
  const gets: GetResult[] = [];
  try {
    for (const op of log.ops) {
      now += op.advanceMs;
      if (op.op === 'append') await store.append(op.id, op.role, op.content);
      else gets.push((await store.get(op.id)).map((turn): [string, string, number] => [turn.role, turn.content, turn.ts]));
    }
  } finally {
    await store.close();
  }
  return gets;
}

/** Fails, naming the first `get` where turnstore and the seed disagree. */
function assertSameGets(log: OperationLog, ours: GetResult[], seed: GetResult[]): void {
  assert.equal(ours.length, seed.length, 'both sides answer every get');
  const getOps = log.ops.filter((op) => op.op === 'get');
  for (let i = 0; i < ours.length; i++) {
    const mine = ours[i]!;
    const theirs = seed[i]!;
    const where = `get #${i} of ${JSON.stringify(getOps[i]?.id)}`;
    const same =
      mine.length === theirs.length &&
      mine.every(([role, content, ts], k) => {
        const [seedRole, seedContent, seedTs] = theirs[k]!;
        return role === seedRole && content === seedContent && Math.abs(ts - seedTs) <= TS_TOLERANCE_SECONDS;
      });
    if (!same) assert.fail(`${where}: turnstore returned ${JSON.stringify(mine)}, the seed ${JSON.stringify(theirs)}`);
  }
}

/** Skips the test (or fails it under CI=true) when the seed cannot be run; true when it can. */
function seedRunnable(t: TestContext): boolean {
  const reason = seedUnavailable();
  if (reason === undefined) return true;
  if (process.env.CI === 'true') assert.fail(`seed replay cannot run: ${reason}. CI must run it.`);
  t.skip(`seed replay skipped: ${reason}`);
  return false;
}

describe('seed replay: MemoryStore answers every get as the seed does', () => {
  let driver: SeedDriver | undefined;
  const seed = (): SeedDriver => (driver ??= new SeedDriver());
  const check = async (log: OperationLog): Promise<void> => {
    assertSameGets(log, await replayTurnstore(log), await seed().replay(log));
  };
  after(() => driver?.close());

  test('100 random logs: appends, gets and clock jumps under small caps and TTLs', async (t) => {
    if (!seedRunnable(t)) return;
    await fc.assert(fc.asyncProperty(logs, check), { numRuns: 100 });
  });

  test('expired conversations still counted by the seed never change a get', async (t) => {
    if (!seedRunnable(t)) return;
    // Cap 2, TTL 1 s. a and b expire; appending c, the seed evicts a and keeps b (expired) in its
    // count, we drop both; appending d, the seed evicts b. Both then show c and d, and not a, b.
    const log: OperationLog = {
      maxTurns: 2,
      ttlSeconds: 1,
      maxConversations: 2,
      startMs: START_MS,
      ops: [
        { op: 'append', advanceMs: 1, id: 'a', role: 'user', content: 'a1' },
        { op: 'append', advanceMs: 1, id: 'b', role: 'user', content: 'b1' },
        { op: 'append', advanceMs: 1500, id: 'c', role: 'user', content: 'c1' },
        { op: 'append', advanceMs: 1, id: 'd', role: 'assistant', content: 'd1' },
        { op: 'get', advanceMs: 1, id: 'c' },
        { op: 'get', advanceMs: 1, id: 'd' },
        { op: 'get', advanceMs: 1, id: 'a' },
        { op: 'get', advanceMs: 1, id: 'b' },
      ],
    };
    await check(log);
  });

  test('an append after expiry starts an empty conversation on both sides', async (t) => {
    if (!seedRunnable(t)) return;
    const log: OperationLog = {
      maxTurns: 4,
      ttlSeconds: 1,
      maxConversations: 4,
      startMs: START_MS,
      ops: [
        { op: 'append', advanceMs: 1, id: 'a', role: 'user', content: 'secret' },
        { op: 'append', advanceMs: 1000, id: 'a', role: 'user', content: 'at the TTL: still alive' },
        { op: 'append', advanceMs: 1001, id: 'a', role: 'user', content: 'past the TTL: alone' },
        { op: 'get', advanceMs: 1, id: 'a' },
      ],
    };
    await check(log);
  });
});
