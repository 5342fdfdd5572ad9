/**
 * The multi-process test every shared backend runs: worker processes append in order to one shared
 * conversation and to conversations of their own; afterwards one store must show the turn cap held
 * with none of the newest turns lost, and the conversation cap and counters in step with the data.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { assertNoTurnLostOrDoubled } from '../../src/conformance/harness.js';
import { isTurnstoreError, type ConversationStore, type Turn } from '../../src/index.js';

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

/** The conversation the race of {@link raceAsWorker} is run on. */
export const RACE_ID = 'race';

/** The store options of a race: room for every turn, so only pops and replacements remove any. */
export const RACE_OPTIONS = { maxTurns: 10_000, maxConversations: 1000 } as const;

/** What a racing worker did: the turns it appended (unique contents), what its pops returned, how many turns its replacements removed. */
export interface RaceReport {
  readonly worker: string;
  readonly appended: readonly string[];
  readonly popped: readonly string[];
  readonly replaced: number;
}

/**
 * The seed of a race of `workers` workers of `rounds` rounds: more turns than all of them remove
 * (each removes about half a turn a round), so no pop or replacement finds the conversation empty.
 */
export function raceSeed(workers: number, rounds: number): string[] {
  return Array.from({ length: workers * rounds + 10 }, (_, i) => `race seed ${i}`);
}

/** Stores the seed of a race, before any worker starts. */
export async function seedRace(store: ConversationStore, seed: readonly string[]): Promise<void> {
  for (let i = 0; i < seed.length; i += 100) {
    await store.appendMany(
      RACE_ID,
      seed.slice(i, i + 100).map((content) => ({ role: 'user' as const, content })),
    );
  }
}

/**
 * One worker of a race on {@link RACE_ID}, waiting for each call: each round appends a turn of its
 * own; every third round also pops the newest turn (whoever's it is), every fifth replaces the
 * newest turn by a new one of its own (`appendMany` with `replaceNewest: 1`).
 */
export async function raceAsWorker(store: ConversationStore, worker: string, rounds: number): Promise<RaceReport> {
  const appended: string[] = [];
  const popped: string[] = [];
  let replaced = 0;
  for (let i = 0; i < rounds; i++) {
    const content = `race worker ${worker} turn ${i}`;
    await store.append(RACE_ID, 'user', content);
    appended.push(content);
    if (i % 3 === 2) {
      const turn = await store.pop(RACE_ID);
      if (turn === undefined) throw new Error('pop found the race conversation empty: the seed is too small, or turns were lost');
      popped.push(turn.content);
    }
    if (i % 5 === 4) {
      const replacement = `${content} replacement`;
      await store.appendMany(RACE_ID, [{ role: 'assistant', content: replacement }], { replaceNewest: 1 });
      appended.push(replacement);
      replaced++;
    }
  }
  return { worker, appended, popped, replaced };
}

/**
 * Checks a store after a race: no turn lost or doubled (every appended turn held, popped exactly
 * once, or replaced — exactly as many as the replacements removed), the seed still a prefix in
 * order, each worker's held turns in the order it appended them, and the counters in step.
 */
export async function checkRace(store: ConversationStore, seed: readonly string[], reports: readonly RaceReport[]): Promise<void> {
  const turns = await store.get(RACE_ID);
  const kept = turns.map((turn) => turn.content);
  assertNoTurnLostOrDoubled({
    appended: [...seed, ...reports.flatMap((report) => report.appended)],
    popped: reports.flatMap((report) => report.popped),
    kept,
    replaced: reports.reduce((sum, report) => sum + report.replaced, 0),
  });
  const seedKept = kept.filter((content) => content.startsWith('race seed '));
  assert.deepEqual(seedKept, seed.slice(0, seedKept.length), 'only the newest turns were ever removed: the seed stays a prefix, in order');
  for (const report of reports) {
    const order = kept.filter((content) => report.appended.includes(content)).map((content) => report.appended.indexOf(content));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `worker ${report.worker}: its turns in the order it appended them`,
    );
  }
  for (let i = 1; i < turns.length; i++) assert.ok(turns[i]!.ts >= turns[i - 1]!.ts, 'oldest first');
  const stats = await store.stats();
  assert.equal(stats.turns, kept.length, 'the turn counter matches the turns held');
  assert.equal(
    stats.bytes,
    kept.reduce((sum, content) => sum + Buffer.byteLength(content), 0),
    'the byte counter matches the content held',
  );
}

/** The conversation the compaction race of {@link compactRaceAsWorker} is run on. */
export const COMPACT_RACE_ID = 'compact race';

/** The turns a compaction race starts from. */
export const COMPACT_RACE_SEED: readonly string[] = Array.from({ length: 20 }, (_, i) => `compact race seed ${i}`);

/** Stores {@link COMPACT_RACE_SEED}, before any worker starts. */
export async function seedCompactRace(store: ConversationStore): Promise<void> {
  await store.appendMany(
    COMPACT_RACE_ID,
    COMPACT_RACE_SEED.map((content) => ({ role: 'user' as const, content })),
  );
}

/** What a worker of the compaction race did. */
export interface CompactRaceReport {
  readonly worker: string;
  /** The turns it appended, in order (unique contents). */
  readonly appended: readonly string[];
  /** Compactions it made, and compactions refused with TURNSTORE_CONFLICT. */
  readonly compactions: number;
  readonly conflicts: number;
}

/** The contents a summary of the compaction race stands for: it is their JSON list. */
function foldedContents(turns: readonly Turn[]): string[] {
  return turns[0]?.summary === true ? (JSON.parse(turns[0].content) as string[]) : [];
}

/**
 * One worker of a race of appends and compactions on {@link COMPACT_RACE_ID}, waiting for each
 * call: each round appends a turn of its own; every other round reads the conversation and folds
 * its older half into the summary, which lists every content it stands for (a summariser that
 * loses nothing), so the end state shows exactly what was folded. A conflict is counted, not retried.
 */
export async function compactRaceAsWorker(store: ConversationStore, worker: string, rounds: number): Promise<CompactRaceReport> {
  const appended: string[] = [];
  let compactions = 0;
  let conflicts = 0;
  for (let i = 0; i < rounds; i++) {
    const content = `compact race worker ${worker} turn ${i}`;
    await store.append(COMPACT_RACE_ID, 'user', content);
    appended.push(content);
    const seen = i % 2 === 1 ? await store.get(COMPACT_RACE_ID) : [];
    const first = seen[0]?.summary === true ? 1 : 0;
    // Another worker's compaction may have folded every turn, the one just appended included: nothing to fold then.
    if (seen.length > first) {
      const through = first + Math.floor((seen.length - first) / 2);
      const summary = JSON.stringify([...foldedContents(seen), ...seen.slice(first, through + 1).map((turn) => turn.content)]);
      try {
        await store.compact(COMPACT_RACE_ID, { summary, through: seen[through]!, seen });
        compactions++;
      } catch (error) {
        if (!isTurnstoreError(error, 'TURNSTORE_CONFLICT')) throw error;
        conflicts++;
      }
    }
  }
  return { worker, appended, compactions, conflicts };
}

/**
 * Checks a store after a compaction race (with room for every turn, so no cap removed any): every
 * appended turn, the seed's included, is either held or stood for by the summary, exactly once;
 * the summary's contents then the held ones keep each worker's order and the seed's; the counters
 * count the summary's bytes and the held turns. Returns how many compactions and conflicts there were.
 */
export async function checkCompactRace(
  store: ConversationStore,
  reports: readonly CompactRaceReport[],
): Promise<{ compactions: number; conflicts: number }> {
  const seed = COMPACT_RACE_SEED;
  const turns = await store.get(COMPACT_RACE_ID);
  const held = turns.filter((turn) => turn.summary !== true);
  const all = [...foldedContents(turns), ...held.map((turn) => turn.content)];
  const appended = [...seed, ...reports.flatMap((report) => report.appended)];
  assert.deepEqual([...all].sort(), [...appended].sort(), 'every appended turn is held or in the summary, exactly once');
  for (const order of [seed, ...reports.map((report) => report.appended)]) {
    const positions = order.map((content) => all.indexOf(content));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'each writer’s turns in the order it appended them',
    );
  }
  const stats = await store.stats();
  assert.equal(stats.turns, held.length, 'the turn counter counts the turns, not the summary');
  assert.equal(
    stats.bytes,
    turns.reduce((sum, turn) => sum + Buffer.byteLength(turn.content), 0),
    'the byte counter counts the summary and the turns',
  );
  return {
    compactions: reports.reduce((sum, report) => sum + report.compactions, 0),
    conflicts: reports.reduce((sum, report) => sum + report.conflicts, 0),
  };
}
