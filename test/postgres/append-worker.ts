/**
 * A child process of the PostgreSQL multi-process and SIGKILL tests: its own PostgresStore on the
 * shared server and table prefix.
 *
 * - `count` mode: appends `appends` turns in order to one shared conversation and, in between, to
 *   conversations of its own; prints one JSON line when done.
 * - `ack` mode: four callers at once append to conversations of its own without end (so their
 *   appends are combined into batches), printing `ack <n>` once each append resolved, until it is
 *   killed.
 * - `callers` mode: 24 callers at once each append `appends` turns of 50 to 400 bytes to random
 *   conversations, under caps that all bite; prints one JSON line when done.
 * - `race` mode: races the other workers on one conversation with `appends` rounds of appends, pops
 *   and replacements (`raceAsWorker`); prints its report as one JSON line.
 * - `compact-race` mode: races the other workers on one conversation with `appends` rounds of
 *   appends and compactions (`compactRaceAsWorker`); prints its report as one JSON line.
 *
 * Arguments: url tablePrefix worker mode appends.
 */
import { PostgresStore } from '../../src/postgres/index.js';
import { appendAsWorker, compactRaceAsWorker, RACE_OPTIONS, raceAsWorker } from '../support/shared-writers.js';
import { MONITORED_CONVERSATIONS, MONITORED_OPTIONS, OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

const [url, tablePrefix, worker, mode, appends] = process.argv.slice(2);
if (mode === 'ack') {
  // No cap bites here: every acknowledged turn must still be there after the kill.
  const store = new PostgresStore({
    connectionString: url!,
    tablePrefix: tablePrefix!,
    maxTurns: 100_000,
    maxConversations: 1000,
    commandTimeoutMs: 10_000,
  });
  let next = 0;
  const caller = async (): Promise<never> => {
    for (;;) {
      const i = next++;
      await store.append(`worker ${worker} conversation ${i % 4}`, 'user', `turn ${i}`);
      process.stdout.write(`ack ${i}\n`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, caller));
} else if (mode === 'callers') {
  const store = new PostgresStore({ connectionString: url!, tablePrefix: tablePrefix!, ...MONITORED_OPTIONS });
  const count = Number(appends);
  let seed = Number(worker) + 1;
  const random = (below: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
  await Promise.all(
    Array.from({ length: 24 }, async (_, caller) => {
      for (let i = 0; i < count; i++) {
        const content = `worker ${worker} caller ${caller} turn ${i} `.padEnd(50 + random(350), '.');
        await store.append(`conversation ${random(MONITORED_CONVERSATIONS)}`, 'user', content);
      }
    }),
  );
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker, appended: 24 * count })}\n`);
} else if (mode === 'race' || mode === 'compact-race') {
  const store = new PostgresStore({
    connectionString: url!,
    tablePrefix: tablePrefix!,
    ...RACE_OPTIONS,
    commandTimeoutMs: STORE_OPTIONS.commandTimeoutMs,
  });
  const rounds = Number(appends);
  const report = mode === 'race' ? await raceAsWorker(store, worker!, rounds) : await compactRaceAsWorker(store, worker!, rounds);
  await store.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const store = new PostgresStore({ connectionString: url!, tablePrefix: tablePrefix!, ...STORE_OPTIONS });
  const count = Number(appends);
  await appendAsWorker(store, worker!, count, OWN_CONVERSATIONS);
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker, appended: count })}\n`);
}
