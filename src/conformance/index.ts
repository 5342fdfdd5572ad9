/**
 * `turnstore/conformance`: the contract every turnstore backend keeps (SPEC §1–§5), as one test
 * suite, registered with `node:test` or with the `describe`/`it` of another runner. A backend runs
 * it in three lines:
 *
 * @example
 * ```ts
 * // test/conformance/memory.test.ts
 * import { runConformanceSuite } from 'turnstore/conformance';
 * import { MemoryStore } from 'turnstore';
 * runConformanceSuite({ name: 'MemoryStore', create: (options) => new MemoryStore(options), clock: 'injected' });
 * ```
 *
 * @example
 * ```ts
 * // under vitest (or jest, with its globals): the runner's own describe and it
 * import { describe, it } from 'vitest';
 * runConformanceSuite({ name: 'MyStore', create: (options) => new MyStore(options), clock: 'injected' }, { describe, it });
 * ```
 *
 * @packageDocumentation
 */
import { badInputTests } from './suites/bad-input.js';
import { concurrencyTests } from './suites/concurrency.js';
import { deleteClearTests } from './suites/delete-clear.js';
import { evictionTests } from './suites/eviction.js';
import { expiryTests } from './suites/expiry.js';
import { idTests } from './suites/ids.js';
import { lifecycleTests } from './suites/lifecycle.js';
import { listTests } from './suites/list.js';
import { modelPropertyTests } from './suites/model-property.js';
import { popReplaceTests } from './suites/pop-replace.js';
import { recencyTests } from './suites/recency.js';
import { richTurnTests } from './suites/rich-turns.js';
import { summaryTests } from './suites/summary.js';
import { turnTests } from './suites/turns.js';
import { group } from './harness.js';
import { registrarOf, type TestRunner } from './runner.js';
import { resolveTarget, type ConformanceTarget } from './target.js';

export type { ConformanceClock, ConformanceTarget } from './target.js';
export type { TestBody, TestRunner } from './runner.js';
export { ReferenceModel, ModelRejection, type ModelOptions } from './model.js';
export { TRICKY_IDS } from './suites/ids.js';

/**
 * Registers the whole conformance suite for one backend, under `turnstore conformance: <name>`,
 * with `runner`'s `describe`/`it`, or with `node:test`'s when no runner is given. Call it at the
 * top level of a test file. Every store the suite creates through `target.create` is closed when
 * its test ends.
 *
 * @param target - the backend under test: how to create a store and what its clock can do.
 * @param runner - the test runner's `describe` and `it` (vitest, jest…); `node:test`'s by default.
 */
export function runConformanceSuite(target: ConformanceTarget, runner?: TestRunner): void {
  const resolved = resolveTarget(target, registrarOf(runner));
  group(resolved, `turnstore conformance: ${resolved.name}`, () => {
    turnTests(resolved);
    richTurnTests(resolved);
    idTests(resolved);
    badInputTests(resolved);
    recencyTests(resolved);
    expiryTests(resolved);
    evictionTests(resolved);
    deleteClearTests(resolved);
    listTests(resolved);
    popReplaceTests(resolved);
    summaryTests(resolved);
    lifecycleTests(resolved);
    concurrencyTests(resolved);
    modelPropertyTests(resolved);
  });
}
