import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TurnstoreError } from '../../src/index.js';
import { RedisStore } from '../../src/redis/index.js';
import { freePort, RedisTestServer, redisUnavailable } from '../support/redis-server.js';

/** The bound under test, and what the clock may add to it (timers firing late on a busy machine). */
const COMMAND_TIMEOUT_MS = 800;
const SLACK_MS = 400;

/** What one call did and how long it took. */
interface Outcome {
  readonly ok: boolean;
  readonly code?: string;
  readonly ms: number;
  readonly startedAt: number;
  /**
   * For a call that failed past the bound and its slack: how late a timer of the bound's length,
   * set just before the call, fired. The store's own timer is due no earlier, so it is at least as
   * late: that much is the machine's, not the store's (a CI rehearsal at load 10 saw 1271 ms).
   */
  readonly lagMs: number;
}

async function timed(call: () => Promise<unknown>): Promise<Outcome> {
  const startedAt = performance.now();
  const probe = sleep(COMMAND_TIMEOUT_MS).then(() => performance.now() - startedAt - COMMAND_TIMEOUT_MS);
  try {
    await call();
    return { ok: true, ms: performance.now() - startedAt, startedAt, lagMs: 0 };
  } catch (error) {
    const ms = performance.now() - startedAt;
    const lagMs = ms > COMMAND_TIMEOUT_MS + SLACK_MS ? await probe : 0;
    return { ok: false, code: error instanceof TurnstoreError ? error.code : String(error), ms, startedAt, lagMs };
  }
}

/** Calls `call` until it succeeds, for at most `withinMs`; how long that took. */
async function untilItWorks(call: () => Promise<unknown>, withinMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const outcome = await timed(call);
    if (outcome.ok) return performance.now() - started;
    if (performance.now() - started > withinMs) assert.fail(`still failing after ${withinMs} ms: ${outcome.code}`);
    await sleep(20);
  }
}

function assertBoundedFailures(outcomes: readonly Outcome[]): void {
  const failures = outcomes.filter((outcome) => !outcome.ok);
  assert.ok(failures.length > 0, 'some calls failed during the outage');
  for (const failure of failures) {
    assert.equal(failure.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
    assert.ok(
      failure.ms <= COMMAND_TIMEOUT_MS + SLACK_MS + failure.lagMs,
      `a call failed after ${Math.round(failure.ms)} ms; the bound is ${COMMAND_TIMEOUT_MS} ms (timers here ran ${Math.round(failure.lagMs)} ms late)`,
    );
  }
}

describe('RedisStore when Redis goes away', { skip: redisUnavailable() }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('killed mid-load: calls fail fast with TURNSTORE_BACKEND_UNAVAILABLE; restarted: the same store recovers', async (t) => {
    const server = await RedisTestServer.start();
    cleanup.push(() => server.stop());
    const store = new RedisStore({ url: server.url, prefix: 'outage', commandTimeoutMs: COMMAND_TIMEOUT_MS, maxTurns: 4 });
    cleanup.push(() => store.close());
    // The warm-up connects and loads the scripts; on a loaded machine that alone can take longer than
    // the 800 ms bound under test (a CI rehearsal's first append timed out), so it may try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await store.append('warm', 'user', 'x');
        break;
      } catch (error) {
        if (attempt === 5 || (error as { code?: string }).code !== 'TURNSTORE_BACKEND_UNAVAILABLE') throw error;
      }
    }

    // Four callers appending and reading in a loop, all through the same store.
    const outcomes: Outcome[] = [];
    let running = true;
    const caller = async (n: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const outcome = await timed(() => (i % 2 === 0 ? store.append(`caller ${n}`, 'user', `message ${i}`) : store.get(`caller ${n}`)));
        outcomes.push(outcome);
        // A failing call may settle without yielding to timers; back off so this loop cannot starve them.
        if (!outcome.ok) await sleep(10);
      }
    };
    const callers = [0, 1, 2, 3].map(caller);
    await sleep(200);
    const killedAt = performance.now();
    await server.kill();
    await sleep(COMMAND_TIMEOUT_MS * 2);
    const during = outcomes.filter((outcome) => outcome.startedAt > killedAt);
    assertBoundedFailures(during);
    assert.ok(
      during.every((outcome) => !outcome.ok),
      'nothing succeeds while the server is gone',
    );

    // Once the connection has been down for a whole bound, calls stop waiting: they fail at once.
    // The store's clock starts when it learns of the loss (its client's error event), which on a busy
    // machine can come well after the kill; the first failed call ends no earlier than that event.
    const noticedAt = Math.min(...during.filter((outcome) => !outcome.ok).map((outcome) => outcome.startedAt + outcome.ms));
    const late = during.filter((outcome) => outcome.startedAt > noticedAt + COMMAND_TIMEOUT_MS + 100);
    assert.ok(
      late.length > 0 && late.every((outcome) => outcome.ms < 50),
      `late calls fail at once; took ${late.map((outcome) => Math.round(outcome.ms)).join(', ')} ms`,
    );
    const firstFailure = noticedAt - killedAt;
    const slowestFailure = Math.max(...during.map((outcome) => outcome.ms));
    await server.restart();
    const restartedAt = performance.now();
    // The client retries every 500 ms at most, so it is back well within two seconds.
    await untilItWorks(() => store.get('caller 0'), 3000);
    const recoveredAt = performance.now();
    t.diagnostic(
      `first failure ${Math.round(firstFailure)} ms after the kill; slowest failure ${Math.round(slowestFailure)} ms (bound ${COMMAND_TIMEOUT_MS} ms); ${during.length} calls failed, ${late.length} of them at once (connection down longer than the bound); working again ${Math.round(recoveredAt - restartedAt)} ms after the restart`,
    );
    await sleep(300);
    running = false;
    await Promise.all(callers);
    const recovered = outcomes.filter((outcome) => outcome.startedAt > recoveredAt);
    assert.ok(
      recovered.length > 0 && recovered.every((outcome) => outcome.ok),
      `once reconnected, every call works: ${JSON.stringify(recovered.filter((outcome) => !outcome.ok))}`,
    );
    assertBoundedFailures(outcomes.filter((outcome) => !outcome.ok));
    // The restarted server is empty (no persistence) and had no scripts cached: EVAL brought them back.
    await store.append('after', 'user', 'hello again');
    assert.deepEqual(
      (await store.get('after')).map((turn) => turn.content),
      ['hello again'],
    );
  });

  it('hung (SIGSTOP): calls reject within commandTimeoutMs instead of waiting; resumed: it works again', async (t) => {
    const server = await RedisTestServer.start();
    cleanup.push(() => server.stop());
    const store = new RedisStore({ url: server.url, prefix: 'hung', commandTimeoutMs: COMMAND_TIMEOUT_MS });
    cleanup.push(() => store.close());
    await store.append('a', 'user', 'before');
    server.pause();
    try {
      const outcomes = await Promise.all([
        timed(() => store.get('a')),
        timed(() => store.append('a', 'user', 'x')),
        timed(() => store.size()),
      ]);
      assertBoundedFailures(outcomes);
      assert.ok(
        outcomes.every((outcome) => !outcome.ok && outcome.ms >= COMMAND_TIMEOUT_MS - 50),
        'they waited for the bound, not less',
      );
      t.diagnostic(
        `calls to a hung server failed after ${outcomes.map((outcome) => Math.round(outcome.ms)).join(', ')} ms (bound ${COMMAND_TIMEOUT_MS} ms)`,
      );
    } finally {
      server.resume();
    }
    await untilItWorks(() => store.size(), 3000);
    // The timed-out append may or may not have run when the server woke up: both are allowed.
    const contents = (await store.get('a')).map((turn) => turn.content);
    assert.equal(contents[0], 'before');
  });

  it('close() while calls wait for a connection: they reject with TURNSTORE_CLOSED at once, not at the bound', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'closing', commandTimeoutMs: 5000 });
    const waiting = timed(() => store.get('a'));
    await sleep(100);
    await store.close();
    const outcome = await waiting;
    assert.equal(outcome.code, 'TURNSTORE_CLOSED');
    assert.ok(outcome.ms < 1000, `rejected after ${Math.round(outcome.ms)} ms`);
  });

  it('down from the start: the first calls fail within the bound; once Redis is up, the same store works', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'late', commandTimeoutMs: COMMAND_TIMEOUT_MS });
    cleanup.push(() => store.close());
    assertBoundedFailures(await Promise.all([timed(() => store.get('a')), timed(() => store.append('a', 'user', 'x'))]));
    const server = await RedisTestServer.start([], port);
    cleanup.push(() => server.stop());
    await untilItWorks(() => store.append('a', 'user', 'x'), 3000);
    assert.deepEqual(
      (await store.get('a')).map((turn) => turn.content),
      ['x'],
    );
  });
});
