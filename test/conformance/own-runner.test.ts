/**
 * The conformance suite under a runner that is not node:test: a tiny describe/it collector of our
 * own, standing in for vitest or jest, registers the suite, runs what it collected and counts the
 * results. node:test only hosts the checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReferenceModel, runConformanceSuite, type TestBody, type TestRunner } from '../../src/conformance/index.js';
import { MemoryStore, type ConversationStore, type StoreOptions } from '../../src/index.js';

interface Collected {
  readonly name: string;
  readonly body: TestBody;
  readonly timeoutMs: number | undefined;
}

/** A minimal runner: `describe` runs its body at once, naming what it registers; `it` collects. */
function collector(): TestRunner & { tests: Collected[]; skipped: string[]; run(): Promise<{ passed: number; failed: string[] }> } {
  const path: string[] = [];
  const tests: Collected[] = [];
  const skipped: string[] = [];
  const collect = (name: string, body: TestBody, timeoutMs?: number) =>
    void tests.push({ name: [...path, name].join(' › '), body, timeoutMs });
  return {
    tests,
    skipped,
    describe(name, body) {
      path.push(name);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it: Object.assign(collect, { skip: (name: string) => void skipped.push([...path, name].join(' › ')) }),
    async run() {
      let passed = 0;
      const failed: string[] = [];
      for (const test of tests) {
        try {
          await test.body();
          passed++;
        } catch (error) {
          failed.push(`${test.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return { passed, failed };
    },
  };
}

/** A MemoryStore that drops the oldest of the turns it returns: a store that breaks the contract. */
class ForgetfulStore extends MemoryStore {
  override async get(id: string) {
    const turns = await super.get(id);
    return turns.slice(1);
  }
}

describe('the conformance suite under another runner', () => {
  it('registers with the given describe/it, not node:test’s, and passes against MemoryStore', async () => {
    const runner = collector();
    runConformanceSuite(
      { name: 'MemoryStore', create: (options: StoreOptions) => new MemoryStore(options), clock: 'injected', propertyRuns: 20 },
      runner,
    );
    assert.ok(runner.tests.length >= 100, `${runner.tests.length} tests collected`);
    assert.ok(runner.tests.every((test) => test.name.startsWith('turnstore conformance: MemoryStore › ')));
    assert.ok(
      runner.tests.every((test) => test.timeoutMs !== undefined && test.timeoutMs > 0),
      'each test gets its timeout',
    );
    assert.ok(runner.tests.some((test) => test.name.includes('random operation sequences agree with the reference model (20 runs')));
    const { passed, failed } = await runner.run();
    assert.deepEqual(failed, []);
    assert.equal(passed, runner.tests.length);
  });

  it('reports the failures of a store that breaks the contract', async () => {
    const runner = collector();
    runConformanceSuite(
      {
        name: 'ForgetfulStore',
        create: (options: StoreOptions): ConversationStore => new ForgetfulStore(options),
        clock: 'injected',
        propertyRuns: 5,
      },
      runner,
    );
    const { passed, failed } = await runner.run();
    assert.ok(failed.length > 10, `${failed.length} failures`);
    assert.ok(passed > 0);
  });

  it('on a real clock, runs a test again once when it failed after a stall longer than a tenth of the TTL; reports other failures', async () => {
    // Stores whose get() drops the oldest turn, after a delay of `stallMs` for the first `stalls` stores made.
    const outcome = async (stallMs: number, stalls: number) => {
      let made = 0;
      const runner = collector();
      runConformanceSuite(
        {
          name: 'stalling',
          clock: 'real',
          propertyRuns: 0,
          create: (options: StoreOptions): ConversationStore => {
            const broken = ++made <= stalls;
            return new (class extends MemoryStore {
              override async get(id: string) {
                const turns = await super.get(id);
                if (!broken) return turns;
                await sleep(stallMs);
                return turns.slice(1);
              }
            })(options);
          },
        },
        runner,
      );
      const test = runner.tests.find((candidate) =>
        candidate.name.endsWith('get returns the appended turns oldest first, as {role, content, ts}'),
      );
      assert.ok(test !== undefined);
      try {
        await test.body();
        return { made, error: undefined };
      } catch (error) {
        return { made, error: error as Error };
      }
    };
    const stalledOnce = await outcome(150, 1);
    assert.deepEqual(
      stalledOnce,
      { made: 2, error: undefined },
      'a stall of 150 ms (TTL 1 s), then a clean run: passes on the second attempt',
    );
    const quick = await outcome(0, 1);
    assert.equal(quick.made, 1, 'no stall: not run again');
    assert.ok(quick.error !== undefined && !/failed twice/.test(quick.error.message), String(quick.error));
    const twice = await outcome(150, 2);
    assert.equal(twice.made, 2);
    assert.match(String(twice.error?.message), /failed twice; the first attempt saw a 1[5-9]\d ms delay \(get\(\)\)/);
  });

  it('registers tests the target cannot run with it.skip, naming why', () => {
    const runner = collector();
    runConformanceSuite(
      { name: 'real clock', create: (options: StoreOptions) => new MemoryStore(options), clock: 'real', propertyRuns: 0 },
      runner,
    );
    assert.ok(runner.skipped.length > 0);
    assert.ok(
      runner.skipped.some((name) => name.includes('(skipped: needs an injected clock (exact time))')),
      runner.skipped.join('\n'),
    );
    assert.ok(runner.skipped.some((name) => name.includes('(skipped: propertyRuns is 0)')));
  });

  it('refuses a runner without describe and it', () => {
    for (const runner of [{}, { describe() {} }, { it() {} }, null]) {
      assert.throws(
        () =>
          runConformanceSuite(
            { name: 'x', create: (options: StoreOptions) => new MemoryStore(options), clock: 'injected' },
            runner as never,
          ),
        (error: unknown) =>
          (error as { code?: string }).code === 'TURNSTORE_INVALID_OPTION' && /describe and it/.test((error as Error).message),
      );
    }
  });

  it('refuses a target with an unknown or bad option, naming it (found in review: a misspelt option was ignored)', () => {
    const create = (options: StoreOptions) => new MemoryStore(options);
    const runner = { describe: () => {}, it: () => {} };
    const cases: Array<[object, RegExp]> = [
      [{ name: 'x', create, clock: 'injected', propertyRun: 5000 }, /unknown option "propertyRun"; known options are name, create, clock/],
      [{ name: 'x', create, clock: 'injected', timeOutMs: 1 }, /unknown option "timeOutMs"/],
      [{ name: 'x', create, clock: 'wall' }, /option "clock" must be 'injected' or 'real'/],
      [{ name: 'x', clock: 'real' }, /option "create" must be a function/],
      [{ name: 'x', create, clock: 'real', propertyRuns: -1 }, /option "propertyRuns" must be an integer ≥ 0/],
    ];
    for (const [target, message] of cases) {
      assert.throws(
        () => runConformanceSuite(target as never, runner),
        (error: unknown) => (error as { code?: string }).code === 'TURNSTORE_INVALID_OPTION' && message.test((error as Error).message),
        JSON.stringify(Object.keys(target)),
      );
    }
  });

  it('ReferenceModel refuses an unknown option', () => {
    assert.throws(
      () => new ReferenceModel({ maxTurn: 3 } as never),
      (error: unknown) =>
        (error as { code?: string }).code === 'TURNSTORE_INVALID_OPTION' && /unknown option "maxTurn"/.test((error as Error).message),
    );
  });
});
