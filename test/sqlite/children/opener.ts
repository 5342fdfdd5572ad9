/**
 * A child process for the migration test: waits for the word to go, then opens a SqliteStore on
 * a file (upgrading it if it is older), appends one turn with extras to a conversation of its own,
 * and closes. Not a test itself (run-tests only runs *.test.js).
 *
 * Usage: node opener.js <path> <worker>
 *
 * Protocol on stdout: `ready` once loaded (the store not yet opened, so that every child opens it
 * at once after the parent writes a line to stdin), then `done`. A failure ends the process with
 * code 1 and the error on stderr.
 */
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { SqliteStore } from '../../../src/sqlite/index.js';

const [path, worker] = process.argv.slice(2) as [string, string];

try {
  writeSync(1, 'ready\n');
  process.stdin.resume();
  await once(process.stdin, 'data');
  process.stdin.pause();
  const store = new SqliteStore({ path, ttlSeconds: 0 });
  await store.append(`opener-${worker}`, 'assistant', `from opener ${worker}`, {
    toolCalls: [{ id: `call-${worker}`, name: 'get_weather', arguments: '{"city":"Paris"}' }],
  });
  await store.close();
  writeSync(1, 'done\n');
} catch (error) {
  process.stderr.write(`opener ${worker} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
