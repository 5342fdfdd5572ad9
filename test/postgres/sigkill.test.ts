import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';

const worker = fileURLToPath(new URL('./append-worker.js', import.meta.url));
/** Acknowledged appends to wait for before the kill. */
const ACKS_BEFORE_KILL = 150;

describe('PostgresStore when the app is killed mid-load', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  before(async () => {
    server = await PostgresTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it('SIGKILL while appending: every acknowledged turn is there, and the counters match the rows', async (t) => {
    const tablePrefix = 'sigkill_';
    const child = spawn(process.execPath, [worker, server.url, tablePrefix, '0', 'ack', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: number[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let buffer = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          const match = /^ack (\d+)$/.exec(line);
          if (match) acknowledged.push(Number(match[1]));
          // Killed in the middle of its stream of appends, with one almost surely in flight.
          if (acknowledged.length === ACKS_BEFORE_KILL) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.once('exit', (code) => {
        if (acknowledged.length < ACKS_BEFORE_KILL) reject(new Error(`the worker exited early (${code}): ${stderr}`));
      });
    });
    assert.equal(await exited, 'SIGKILL');
    t.diagnostic(`${acknowledged.length} appends acknowledged before the kill`);

    const store = new PostgresStore({ connectionString: server.url, tablePrefix, maxTurns: 100_000, maxConversations: 1000 });
    try {
      const stored = new Set<number>();
      for (let conversation = 0; conversation < 4; conversation++) {
        for (const turn of await store.get(`worker 0 conversation ${conversation}`))
          stored.add(Number(/^turn (\d+)$/.exec(turn.content)![1]));
      }
      for (const index of acknowledged) assert.ok(stored.has(index), `acknowledged turn ${index} is missing`);
      // At most the four in flight (one batch) were stored without their acknowledgement reaching the app.
      assert.ok(stored.size <= acknowledged.length + 4, `${stored.size} stored for ${acknowledged.length} acknowledged`);
      const stats = await store.stats();
      assert.equal(stats.turns, stored.size, 'the turn counter matches the turns held');
      assert.equal(server.sql(`SELECT count(*) FROM ${tablePrefix}turns`), String(stored.size));
    } finally {
      await store.close();
    }
  });
});
