/**
 * A child process of the multi-process test: its own RedisStore on the shared server and prefix.
 *
 * - `count` mode: appends in order to one shared conversation and, in between, to conversations of
 *   its own; prints one JSON line when done.
 * - `race` mode: races the other workers on one conversation with appends, pops and replacements
 *   (`raceAsWorker`); prints its {@link RaceReport} as one JSON line.
 *
 * - `compact-race` mode: races the other workers on one conversation with appends and compactions
 *   (`compactRaceAsWorker`); prints its {@link CompactRaceReport} as one JSON line.
 *
 * Arguments: url prefix worker appends [mode].
 */
import { RedisStore } from '../../src/redis/index.js';
import { appendAsWorker, compactRaceAsWorker, RACE_OPTIONS, raceAsWorker } from '../support/shared-writers.js';
import { OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

const [url, prefix, worker, appends, mode = 'count'] = process.argv.slice(2);
const count = Number(appends);
if (mode === 'race' || mode === 'compact-race') {
  const store = new RedisStore({ url: url!, prefix: prefix!, ...RACE_OPTIONS, commandTimeoutMs: STORE_OPTIONS.commandTimeoutMs });
  const report = mode === 'race' ? await raceAsWorker(store, worker!, count) : await compactRaceAsWorker(store, worker!, count);
  await store.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const store = new RedisStore({ url: url!, prefix: prefix!, ...STORE_OPTIONS });
  await appendAsWorker(store, worker!, count, OWN_CONVERSATIONS);
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker, appended: count })}\n`);
}
