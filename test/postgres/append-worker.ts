/**
 * A child process of the PostgreSQL multi-process and SIGKILL tests: its own PostgresStore on the
 * shared server and table prefix.
 *
 * - `count` mode: appends `appends` turns in order to one shared conversation and, in between, to
 *   conversations of its own; prints one JSON line when done.
 * - `ack` mode: appends to conversations of its own without end, printing `ack <id> <n>` once each
 *   append resolved, until it is killed.
 * - `race` mode: races the other workers on one conversation with `appends` rounds of appends, pops
 *   and replacements (`raceAsWorker`); prints its report as one JSON line.
 *
 * Arguments: url tablePrefix worker mode appends.
 */
import { PostgresStore } from '../../src/postgres/index.js';
import { appendAsWorker, RACE_OPTIONS, raceAsWorker } from '../support/shared-writers.js';
import { OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

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
  for (let i = 0; ; i++) {
    const id = `worker ${worker} conversation ${i % 4}`;
    await store.append(id, 'user', `turn ${i}`);
    process.stdout.write(`ack ${i}\n`);
  }
} else if (mode === 'race') {
  const store = new PostgresStore({
    connectionString: url!,
    tablePrefix: tablePrefix!,
    ...RACE_OPTIONS,
    commandTimeoutMs: STORE_OPTIONS.commandTimeoutMs,
  });
  const report = await raceAsWorker(store, worker!, Number(appends));
  await store.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const store = new PostgresStore({ connectionString: url!, tablePrefix: tablePrefix!, ...STORE_OPTIONS });
  const count = Number(appends);
  await appendAsWorker(store, worker!, count, OWN_CONVERSATIONS);
  await store.close();
  process.stdout.write(`${JSON.stringify({ worker, appended: count })}\n`);
}
