/**
 * A child process for the multi-process and crash tests: opens a SqliteStore on a shared file and
 * appends. Not a test itself (run-tests only runs *.test.js).
 *
 * Usage: node appender.js '<json of AppenderTask>'
 *
 * Protocol on stdout, one line each: `ready` once the store is open; then, after the parent writes
 * a line to stdin (so every child starts at once), `ack <i>` after each append resolved (mode
 * 'crash', written synchronously so a kill cannot lose a line for a write that was acknowledged),
 * and finally `done <json of AppenderReport>`. Any failed call ends the process with code 1 and the
 * error on stderr.
 */
import { writeSync } from 'node:fs';
import { once } from 'node:events';
import { SqliteStore } from '../../../src/sqlite/index.js';
import type { StoreOptions } from '../../../src/index.js';
import { compactRaceAsWorker, raceAsWorker, type CompactRaceReport, type RaceReport } from '../../support/shared-writers.js';

/** What one child does. */
export interface AppenderTask {
  readonly path: string;
  /**
   * 'one': append turns `w<worker>-<i>` to the conversation 'shared'; 'many': append one turn to
   * each of the conversations `w<worker>-c<i>`; 'crash': append `ack-<i>` to conversation
   * `c<i>` and acknowledge each, until killed (count is ignored); 'race': `count` rounds of
   * appends, pops and replacements on one conversation (`raceAsWorker`), reported in `race`;
   * 'compact-race': `count` rounds of appends and compactions (`compactRaceAsWorker`), reported in `compactRace`.
   */
  readonly mode: 'one' | 'many' | 'crash' | 'race' | 'compact-race';
  readonly worker: number;
  readonly count: number;
  readonly options: StoreOptions & { synchronous?: 'normal' | 'full' };
}

/** What a child reports when done. */
export interface AppenderReport {
  readonly worker: number;
  /** onEvict calls this process received, by reason. */
  readonly evicted: Record<string, number>;
  /** The largest turn count of 'shared' (mode 'one') or conversation count (mode 'many') seen after any append. */
  readonly largestSeen: number;
  /** Mode 'race': what the worker appended and popped. */
  readonly race?: RaceReport;
  /** Mode 'compact-race': what the worker appended and compacted. */
  readonly compactRace?: CompactRaceReport;
}

const task = JSON.parse(process.argv[2]!) as AppenderTask;
const evicted: Record<string, number> = {};
const store = new SqliteStore({
  ...task.options,
  path: task.path,
  onEvict: (_id, reason) => {
    evicted[reason] = (evicted[reason] ?? 0) + 1;
  },
});

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

try {
  say('ready');
  process.stdin.resume();
  await once(process.stdin, 'data');
  process.stdin.pause();
  let largestSeen = 0;
  if (task.mode === 'crash') {
    for (let i = 0; ; i++) {
      await store.append(`c${i}`, 'user', `ack-${i}`);
      say(`ack ${i}`);
    }
  }
  const race = task.mode === 'race' ? await raceAsWorker(store, String(task.worker), task.count) : undefined;
  const compactRace = task.mode === 'compact-race' ? await compactRaceAsWorker(store, String(task.worker), task.count) : undefined;
  for (let i = 0; i < task.count && race === undefined && compactRace === undefined; i++) {
    if (task.mode === 'one') {
      await store.append('shared', i % 2 === 0 ? 'user' : 'assistant', `w${task.worker}-${i}`);
      largestSeen = Math.max(largestSeen, (await store.get('shared')).length);
    } else {
      await store.append(`w${task.worker}-c${i}`, 'user', `hello from w${task.worker}-c${i}`);
      largestSeen = Math.max(largestSeen, await store.size());
    }
  }
  await store.close();
  say(
    `done ${JSON.stringify({ worker: task.worker, evicted, largestSeen, ...(race === undefined ? {} : { race }), ...(compactRace === undefined ? {} : { compactRace }) } satisfies AppenderReport)}`,
  );
} catch (error) {
  process.stderr.write(
    `appender ${task.worker} failed: ${error instanceof Error ? `${error.stack ?? error.message}\ncause: ${String((error as { cause?: unknown }).cause)}` : String(error)}\n`,
  );
  process.exit(1);
}
