import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { AppenderProcess } from './appender-process.js';

// A process killed with SIGKILL in the middle of appending: every write it acknowledged (its
// append resolved, then it printed `ack <i>`) is in the file, and the file is intact. Each ack is
// its own conversation, so the check is exact: no turn cap can hide a lost one.

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const temp = tempDirForThisFile('turnstore-sqlite-crash-');
const ACKS_BEFORE_KILL = 300;
const ROUNDS = 3;

/** Runs one appender until it has acknowledged enough writes, kills it, and returns every index it acknowledged. */
async function appendThenKill(path: string, synchronous: 'normal' | 'full'): Promise<number[]> {
  const appender = new AppenderProcess({ path, mode: 'crash', worker: 0, count: 0, options: { synchronous, maxConversations: 1_000_000 } });
  await appender.ready;
  let acks = 0;
  appender.onLine((line) => {
    if (line.startsWith('ack ') && ++acks === ACKS_BEFORE_KILL) appender.child.kill('SIGKILL');
  });
  appender.go();
  const { signal, stderr } = await appender.exited;
  assert.equal(signal, 'SIGKILL', `the appender should have been killed; it ended otherwise: ${stderr}`);
  return appender.lines.filter((line) => line.startsWith('ack ')).map((line) => Number(line.slice(4)));
}

describe('SqliteStore after a SIGKILL mid-append', { timeout: 120_000 }, () => {
  for (const synchronous of ['normal', 'full'] as const) {
    it(`keeps every acknowledged write and an intact file (synchronous: '${synchronous}', ${ROUNDS} kills on one file)`, async () => {
      const path = temp.file(`crash-${synchronous}.db`);
      const acknowledged = new Set<number>();
      for (let round = 0; round < ROUNDS; round++) {
        // Each round starts numbering at 0 again; appending to c<i> again adds a turn, so after
        // round r, conversation c<i> holds one 'ack-<i>' turn per round that acknowledged i.
        for (const index of await appendThenKill(path, synchronous)) acknowledged.add(index);
        assert.ok(acknowledged.size >= ACKS_BEFORE_KILL);

        const raw = new Database(path);
        try {
          assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok', `round ${round}`);
        } finally {
          raw.close();
        }
        const store = new SqliteStore({ path, maxConversations: 1_000_000 });
        try {
          for (const index of acknowledged) {
            const contents = (await store.get(`c${index}`)).map((turn) => turn.content);
            assert.ok(
              contents.length >= 1 && contents.every((content) => content === `ack-${index}`),
              `round ${round}: acknowledged write c${index} is missing: ${JSON.stringify(contents)}`,
            );
          }
          // The counts kept beside the rows, in the same transactions, agree with the rows.
          const { conversations, turns, bytes } = await store.stats();
          assert.deepEqual({ conversations, turns, bytes }, countRows(path), `round ${round}: stats against the rows`);
        } finally {
          await store.close();
        }
      }
    });
  }
});

/** Conversations, turns and UTF-8 bytes of content, counted from the rows of the file. */
function countRows(path: string): { conversations: number; turns: number; bytes: number } {
  const raw = new Database(path, { readonly: true });
  try {
    const { conversations } = raw.prepare('SELECT count(*) AS conversations FROM conversations').get() as { conversations: number };
    const { turns, bytes } = raw
      .prepare('SELECT count(*) AS turns, coalesce(sum(length(CAST(content AS BLOB))), 0) AS bytes FROM turns')
      .get() as { turns: number; bytes: number };
    return { conversations, turns, bytes };
  } finally {
    raw.close();
  }
}
