import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurnstoreError } from '../../src/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';

/** The bound under test, and what the clock may add to it (timers firing late on a busy machine). */
const COMMAND_TIMEOUT_MS = 1000;
const SLACK_MS = 500;

/** What one call did and how long it took. */
interface Outcome {
  readonly ok: boolean;
  readonly code?: string;
  readonly ms: number;
}

async function timed(call: () => Promise<unknown>): Promise<Outcome> {
  const started = performance.now();
  try {
    await call();
    return { ok: true, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, code: error instanceof TurnstoreError ? error.code : String(error), ms: performance.now() - started };
  }
}

describe('PostgresStore when the server restarts', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  before(async () => {
    server = await PostgresTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('restarted mid-load (fast shutdown, then start): calls fail fast with TURNSTORE_BACKEND_UNAVAILABLE, then the same store recovers and no acknowledged turn is lost', async (t) => {
    const store = new PostgresStore({
      connectionString: server.url,
      tablePrefix: 'restart_',
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      maxTurns: 100_000,
    });
    try {
      const acknowledged: string[] = [];
      const outcomes: Outcome[] = [];
      let phase: 'before' | 'down' | 'back' = 'before';
      let recovered = false;
      // Four callers appending without pause, through the whole restart.
      const load = Promise.all(
        Array.from({ length: 4 }, async (_, caller) => {
          for (let i = 0; !recovered; i++) {
            const content = `caller ${caller} turn ${i}`;
            const during = phase;
            const outcome = await timed(() => store.append(`conversation ${caller}`, 'user', content));
            if (outcome.ok) acknowledged.push(content);
            if (during === 'down') outcomes.push(outcome);
            if (outcome.ok && phase === 'back') recovered = true;
            if (!outcome.ok) await sleep(10);
          }
        }),
      );
      // Load first: the tables are made and every caller has appended before the restart.
      for (const started = performance.now(); acknowledged.length < 20; await sleep(20)) {
        assert.ok(performance.now() - started < 30_000, 'appends went through before the restart');
      }
      await server.stopServerAsync('fast');
      phase = 'down';
      await sleep(1500);
      await server.startAgainAsync();
      phase = 'back';
      const backAt = performance.now();
      await load;
      t.diagnostic(
        `${acknowledged.length} acknowledged; ${outcomes.length} calls while down; recovered ${Math.round(performance.now() - backAt)} ms after the start`,
      );

      const failures = outcomes.filter((outcome) => !outcome.ok);
      assert.ok(failures.length > 0, 'calls failed while the server was down');
      for (const failure of failures) {
        assert.equal(failure.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
        assert.ok(
          failure.ms <= COMMAND_TIMEOUT_MS + SLACK_MS,
          `a call failed after ${Math.round(failure.ms)} ms; the bound is ${COMMAND_TIMEOUT_MS} ms`,
        );
      }
      const stored = new Set<string>();
      for (let caller = 0; caller < 4; caller++) for (const turn of await store.get(`conversation ${caller}`)) stored.add(turn.content);
      for (const content of acknowledged) assert.ok(stored.has(content), `acknowledged ${JSON.stringify(content)} is missing`);
      assert.equal((await store.stats()).turns, stored.size, 'the counters match the rows');
    } finally {
      await store.close();
    }
  });

  it('a store whose server is down from the start rejects within commandTimeoutMs, and works once the server is up', async () => {
    await server.stopServerAsync('fast');
    const store = new PostgresStore({ connectionString: server.url, tablePrefix: 'late_', commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      const outcome = await timed(() => store.append('a', 'user', 'hello'));
      assert.equal(outcome.ok, false);
      assert.equal(outcome.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
      assert.ok(outcome.ms <= COMMAND_TIMEOUT_MS + SLACK_MS, `failed after ${Math.round(outcome.ms)} ms`);
      await server.startAgainAsync();
      await store.append('a', 'user', 'hello');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['hello'],
      );
    } finally {
      await store.close();
    }
  });
});
