import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../support/postgres-server.js';
import { STORE_OPTIONS } from './multi-process-options.js';

const WORKERS = 4;
const APPENDS = 150;
const worker = fileURLToPath(new URL('./append-worker.js', import.meta.url));

/** Runs one worker process to completion; rejects on a non-zero exit. */
function runWorker(url: string, tablePrefix: string, index: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, url, tablePrefix, String(index), 'count', String(APPENDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`worker ${index} exited with ${code}: ${stderr}`))));
  });
}

describe('PostgresStore shared by several processes', { skip: postgresUnavailable() }, () => {
  let server: PostgresTestServer;
  before(async () => {
    server = await PostgresTestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  it(`${WORKERS} processes appending at once (tables created by whichever starts first): the turn cap holds with none of the newest lost, the conversation cap holds`, async (t) => {
    const tablePrefix = 'multi_process_';
    const started = performance.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, index) => runWorker(server.url, tablePrefix, index)));
    t.diagnostic(`${WORKERS} processes × ${APPENDS * 2} appends in ${Math.round(performance.now() - started)} ms`);

    // Every turn of the shared conversation, in the order stored, read beside the store: the last
    // maxTurns of them are exactly what the store keeps.
    const store = new PostgresStore({ connectionString: server.url, tablePrefix, ...STORE_OPTIONS });
    try {
      const turns = await store.get('shared');
      assert.equal(turns.length, STORE_OPTIONS.maxTurns);
      for (let i = 1; i < turns.length; i++) assert.ok(turns[i]!.ts >= turns[i - 1]!.ts, 'oldest first');
      // Each worker appended in order and waited for each append, so the turns of one worker that
      // survive are its last ones, contiguous and in order: none of the newest was lost.
      const byWorker = new Map<string, number[]>();
      for (const turn of turns) {
        const match = /^worker (\d+) turn (\d+)$/.exec(turn.content);
        assert.ok(match, turn.content);
        byWorker.set(match[1]!, [...(byWorker.get(match[1]!) ?? []), Number(match[2])]);
      }
      for (const [name, indices] of byWorker) {
        const expected = Array.from({ length: indices.length }, (_, k) => APPENDS - indices.length + k);
        assert.deepEqual(indices, expected, `worker ${name}: its newest turns, contiguous and in order`);
      }
      // The turns numbered below the kept ones are gone from the table itself, not just hidden.
      assert.equal(server.sql(`SELECT count(*) FROM ${tablePrefix}turns t JOIN ${tablePrefix}conversations c ON c.key = t.conversation WHERE c.id = 'shared'`), String(STORE_OPTIONS.maxTurns));

      assert.equal(await store.size(), STORE_OPTIONS.maxConversations);
      const listing = [];
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await store.list(cursor === undefined ? { limit: 7 } : { limit: 7, cursor });
        listing.push(...page.items);
        cursor = page.cursor;
      }
      assert.equal(listing.length, STORE_OPTIONS.maxConversations);
      assert.equal(new Set(listing.map((item) => item.id)).size, listing.length, 'each listed once');
      const stats = await store.stats();
      assert.equal(stats.conversations, STORE_OPTIONS.maxConversations);
      assert.equal(stats.turns, listing.reduce((sum, item) => sum + item.turns.length, 0), 'the turn counter matches the turns held');
      assert.equal(stats.bytes, listing.reduce((sum, item) => sum + item.turns.reduce((bytes, turn) => bytes + Buffer.byteLength(turn.content), 0), 0), 'the byte counter matches the content held');
      assert.equal(server.sql(`SELECT count(*) FROM ${tablePrefix}turns`), String(stats.turns), 'no turn rows left behind by evictions');
      assert.ok(stats.evictions.lru >= WORKERS * 30 + 1 - STORE_OPTIONS.maxConversations, `LRU evictions: ${stats.evictions.lru}`);
    } finally {
      await store.close();
    }
  });
});
