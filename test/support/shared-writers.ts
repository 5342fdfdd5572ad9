/**
 * The multi-process test every shared backend runs: worker processes append in order to one shared
 * conversation and to conversations of their own; afterwards one store must show the turn cap held
 * with none of the newest turns lost, and the conversation cap and counters in step with the data.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ConversationStore } from '../../src/index.js';

/** Runs a worker script to completion with `args`; its stdout, or a rejection on a non-zero exit. */
export function runWorker(script: string, args: readonly string[], label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${label} exited with ${code}: ${stderr}`))));
  });
}

/** Appends a worker's turns: in order to `shared` and, between them, to its own conversations. */
export async function appendAsWorker(store: ConversationStore, worker: string, appends: number, ownConversations: number): Promise<void> {
  for (let i = 0; i < appends; i++) {
    await store.append('shared', 'user', `worker ${worker} turn ${i}`);
    await store.append(`worker ${worker} conversation ${i % ownConversations}`, 'assistant', `turn ${i}`);
  }
}

/**
 * Checks a store after `workers` workers each ran {@link appendAsWorker} with `appends` turns and
 * `ownConversations`:
 * `shared` holds exactly `maxTurns`, oldest first, each worker's surviving turns its newest,
 * contiguous and in order; the conversation cap held; `list`, `size` and `stats` agree.
 */
export async function checkSharedWriters(
  store: ConversationStore,
  {
    workers,
    appends,
    ownConversations,
    maxTurns,
    maxConversations,
  }: { workers: number; appends: number; ownConversations: number; maxTurns: number; maxConversations: number },
): Promise<void> {
  const turns = await store.get('shared');
  assert.equal(turns.length, maxTurns);
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
    const expected = Array.from({ length: indices.length }, (_, k) => appends - indices.length + k);
    assert.deepEqual(indices, expected, `worker ${name}: its newest turns, contiguous and in order`);
  }

  // The conversation cap held across processes, and the shared counters agree with the data.
  assert.equal(await store.size(), maxConversations);
  const listing = [];
  for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
    const page = await store.list(cursor === undefined ? { limit: 7 } : { limit: 7, cursor });
    listing.push(...page.items);
    cursor = page.cursor;
  }
  assert.equal(listing.length, maxConversations);
  assert.equal(new Set(listing.map((item) => item.id)).size, listing.length, 'each listed once');
  const stats = await store.stats();
  assert.equal(stats.conversations, maxConversations);
  assert.equal(
    stats.turns,
    listing.reduce((sum, item) => sum + item.turns.length, 0),
    'the turn counter matches the turns held',
  );
  assert.equal(
    stats.bytes,
    listing.reduce((sum, item) => sum + item.turns.reduce((bytes, turn) => bytes + Buffer.byteLength(turn.content), 0), 0),
    'the byte counter matches the content held',
  );
  assert.ok(stats.evictions.lru >= workers * ownConversations + 1 - maxConversations, `LRU evictions: ${stats.evictions.lru}`);
}
