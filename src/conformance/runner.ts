/**
 * The test runner the conformance suite registers its tests with: `node:test` by default, or the
 * `describe`/`it` of the caller's own runner (vitest, jest…), so a store's existing test
 * suite can run the conformance tests beside its own. `node:test` is loaded only when no runner is
 * given, so importing `turnstore/conformance` under another runner never touches it.
 */
import { createRequire } from 'node:module';
import { invalidOptionError } from '../core/errors.js';

/** A test body: the suite's are all async. */
export type TestBody = () => Promise<void>;

/**
 * The two functions of a test runner the suite needs, with the signatures vitest and jest
 * share: `describe(name, body)` and `it(name, body, timeoutMs)`. Tests that the target cannot run
 * (a real clock where a test needs exact time, say) are registered with `it.skip` when the runner
 * has one, and left out otherwise. The suite uses no hooks: each test closes its own stores.
 */
export interface TestRunner {
  readonly describe: (name: string, body: () => void) => unknown;
  readonly it: ((name: string, body: TestBody, timeoutMs?: number) => unknown) & {
    readonly skip?: (name: string, body: TestBody) => unknown;
  };
}

/** How the suite registers its groups and tests, whatever the runner. */
export interface SuiteRegistrar {
  /** A group of tests; `concurrent` when its tests may run at once (the real-clock ones, which mostly wait). */
  group(name: string, concurrent: boolean, body: () => void): void;
  /** One test, skipped with `skip` as the reason when set. */
  test(name: string, options: { readonly timeoutMs: number; readonly skip?: string | undefined }, body: TestBody): void;
}

/** `node:test`'s `describe` and `it`, loaded now (synchronously: tests are registered at a file's top level). */
function nodeTestRegistrar(): SuiteRegistrar {
  const { describe, it } = createRequire(import.meta.url)('node:test') as typeof import('node:test');
  return {
    group: (name, concurrent, body) => void describe(name, concurrent ? { concurrency: true } : {}, body),
    test: (name, { timeoutMs, skip }, body) => void it(name, { timeout: timeoutMs, ...(skip === undefined ? {} : { skip }) }, body),
  };
}

/** The registrar for `runner`, or for `node:test` when none is given; refuses a runner without `describe` and `it`. */
export function registrarOf(runner: TestRunner | undefined): SuiteRegistrar {
  if (runner === undefined) return nodeTestRegistrar();
  if (typeof runner !== 'object' || runner === null || typeof runner.describe !== 'function' || typeof runner.it !== 'function') {
    throw invalidOptionError({
      owner: 'runConformanceSuite',
      option: 'runner',
      problem: 'must be an object with the functions describe and it (such as vitest’s or jest’s), or left out for node:test',
    });
  }
  const skip = typeof runner.it.skip === 'function' ? runner.it.skip.bind(runner.it) : undefined;
  return {
    group: (name, _concurrent, body) => void runner.describe(name, body),
    test(name, { timeoutMs, skip: reason }, body) {
      if (reason === undefined) runner.it(name, body, timeoutMs);
      else skip?.(`${name} (skipped: ${reason})`, body);
    },
  };
}
