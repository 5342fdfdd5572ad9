/**
 * SqliteStore against the floor of what SQLite can do here: bare better-sqlite3 statements on
 * SqliteStore's own turns table (the file laid out by its schema module, src/sqlite/schema.ts), in
 * the same kind of file (WAL, same `synchronous`), measured in one run with ratios. bench/backends/main.ts calls
 * {@link benchSqlite}; run this file directly to print one result as JSON:
 *
 *   npm run build && node scripts/bench.mjs backends/sqlite.js [normal|full]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDriver, type Database, type DatabaseConstructor } from '../../src/sqlite/driver.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { migrate } from '../../src/sqlite/schema.js';
import { median } from '../core/measure.js';
import { packageVersion } from '../package-version.js';
import { roleOf } from './workload.js';
import type { SqliteBenchRate, SqliteBenchResult } from './results.js';

/** What {@link benchSqlite} measures and how; every field has a default. */
export interface SqliteBenchOptions {
  /**
   * `PRAGMA synchronous` of both the store and the bare database.
   * @default 'normal'
   */
  readonly synchronous?: 'normal' | 'full';
  /**
   * Conversations, each pre-filled with `maxTurns` turns, that append and get visit round-robin
   * (so every store append also trims the oldest turn, as in a long chat).
   * @default 1000
   */
  readonly conversations?: number;
  /**
   * Turns kept per conversation (`maxTurns`), and turns pre-filled in each.
   * @default 8
   */
  readonly maxTurns?: number;
  /**
   * Mean length of a turn's content, ASCII (so also its UTF-8 bytes). Lengths vary from half to
   * one and a half times it, so every append changes the byte counts, as real chat does.
   * @default 200
   */
  readonly contentLength?: number;
  /**
   * Operations timed per workload per run.
   * @default 10000 with 'normal', 500 with 'full' (every commit then waits for an fsync)
   */
  readonly opsPerRun?: number;
  /**
   * Runs; each times every workload once, in a rotating order, and the median run is reported.
   * @default 7
   */
  readonly runs?: number;
  /**
   * Folder for the database files. By default a fresh folder under the OS temp folder, removed at
   * the end; a given folder is left in place (its files are named `sqlite-bench-*`).
   */
  readonly directory?: string;
  /** Called with a line of progress now and then (e.g. to print to stderr). */
  readonly progress?: (message: string) => void;
}

/** A workload: `run(count)` performs `count` operations and returns when they are done. */
interface Workload {
  readonly name: 'store append' | 'store get' | 'bare insert' | 'bare select';
  readonly run: (count: number) => Promise<void>;
}

/** Rate of one timed run, in operations per second. */
async function timeRun(workload: Workload, count: number): Promise<number> {
  const start = performance.now();
  await workload.run(count);
  return (count * 1000) / (performance.now() - start);
}

/** A file laid out as SqliteStore lays out its own (its migrations run), for the bare statements on its `turns` table. */
export function openBare(Database: DatabaseConstructor, path: string, synchronous: 'normal' | 'full'): Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  migrate(db, path);
  return db;
}

/**
 * Measures SqliteStore append and get against bare better-sqlite3 insert and select, in one
 * process and one run, on temporary files. Takes about 10–20 s with the defaults.
 *
 * @example
 * ```ts
 * const result = await benchSqlite({ synchronous: 'normal' });
 * console.log(result.ratios.append); // e.g. 0.6: SqliteStore appends at 60 % of the bare insert rate
 * ```
 */
export async function benchSqlite(options: SqliteBenchOptions = {}): Promise<SqliteBenchResult> {
  const synchronous = options.synchronous ?? 'normal';
  const conversations = options.conversations ?? 1000;
  const maxTurns = options.maxTurns ?? 8;
  const contentLength = options.contentLength ?? 200;
  const opsPerRun = options.opsPerRun ?? (synchronous === 'full' ? 500 : 10_000);
  const runs = options.runs ?? 7;
  const progress = options.progress ?? (() => {});
  const Database = loadDriver();
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'turnstore-bench-sqlite-'));
  const file = (name: string) => join(directory, `sqlite-bench-${process.pid}-${name}.db`);
  // Contents of lengths spread evenly over [contentLength / 2, contentLength * 3 / 2], one per op index.
  const text = 'abcdefghij'.repeat(Math.ceil((contentLength * 3) / 20) + 1);
  const contents = Array.from({ length: 101 }, (_, k) => text.slice(0, Math.round((contentLength * (50 + k)) / 100)));
  const contentOf = (index: number): string => contents[(index * 37) % contents.length]!;
  const ids = Array.from({ length: conversations }, (_, i) => `conversation-${i}`);

  const store = new SqliteStore({ path: file('store'), synchronous, maxTurns, maxConversations: conversations });
  const insertDb = openBare(Database, file('insert'), synchronous);
  const selectDb = openBare(Database, file('select'), synchronous);
  try {
    progress(`sqlite (${synchronous}): filling ${conversations} conversations × ${maxTurns} turns`);
    for (let turn = 0; turn < maxTurns; turn++)
      for (const [c, id] of ids.entries()) await store.append(id, roleOf(turn), contentOf(turn * conversations + c));
    // The bare tables get the same rows; the select table keeps exactly these, as the store does.
    const insert = insertDb.prepare('INSERT INTO turns (conversation, seq, role, content, ts_ms, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    const fill = selectDb.prepare('INSERT INTO turns (conversation, seq, role, content, ts_ms, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    const seqOf = new Array<number>(conversations).fill(0);
    selectDb.transaction(() => {
      for (let turn = 0; turn < maxTurns; turn++) {
        for (let c = 0; c < conversations; c++) {
          const content = contentOf(turn * conversations + c);
          fill.run(c, turn, turn & 1, content, Date.now(), content.length);
        }
      }
    })();
    for (let turn = 0; turn < maxTurns; turn++) {
      for (let c = 0; c < conversations; c++) {
        const content = contentOf(turn * conversations + c);
        insert.run(c, seqOf[c]!++, turn & 1, content, Date.now(), content.length);
      }
    }
    const select = selectDb.prepare('SELECT role, content, ts_ms, extras FROM turns WHERE conversation = ? ORDER BY seq');

    let appendIndex = 0;
    let getIndex = 0;
    let insertIndex = 0;
    let selectIndex = 0;
    const workloads: Workload[] = [
      {
        name: 'store append',
        run: async (count) => {
          for (let k = 0; k < count; k++, appendIndex++)
            await store.append(ids[appendIndex % conversations]!, roleOf(appendIndex), contentOf(appendIndex));
        },
      },
      {
        name: 'store get',
        run: async (count) => {
          for (let k = 0; k < count; k++, getIndex++) await store.get(ids[getIndex % conversations]!);
        },
      },
      {
        name: 'bare insert',
        run: async (count) => {
          for (let k = 0; k < count; k++, insertIndex++) {
            const c = insertIndex % conversations;
            const content = contentOf(insertIndex);
            insert.run(c, seqOf[c]!++, insertIndex & 1, content, Date.now(), content.length);
          }
        },
      },
      {
        name: 'bare select',
        run: async (count) => {
          for (let k = 0; k < count; k++, selectIndex++) select.all(selectIndex % conversations);
        },
      },
    ];

    // Warm-up: a tenth of a run of each, untimed.
    for (const workload of workloads) await workload.run(Math.max(1, Math.floor(opsPerRun / 10)));
    const samples = new Map<Workload['name'], number[]>(workloads.map((workload) => [workload.name, []]));
    for (let run = 0; run < runs; run++) {
      // Rotating the order spreads WAL checkpoints and machine noise over every workload alike.
      for (let k = 0; k < workloads.length; k++) {
        const workload = workloads[(run + k) % workloads.length]!;
        samples.get(workload.name)!.push(await timeRun(workload, opsPerRun));
      }
      progress(`sqlite (${synchronous}): run ${run + 1}/${runs} done`);
    }
    const rate = (name: Workload['name']): SqliteBenchRate => {
      const taken = samples.get(name)!;
      return { opsPerSecond: median(taken), samples: taken };
    };
    const result = {
      store: { append: rate('store append'), get: rate('store get') },
      bare: { insert: rate('bare insert'), select: rate('bare select') },
    };
    const appendRatio = result.store.append.opsPerSecond / result.bare.insert.opsPerSecond;
    return {
      parameters: { synchronous, conversations, maxTurns, contentLength, opsPerRun, runs },
      versions: {
        sqlite: (insertDb.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version,
        betterSqlite3: packageVersion('better-sqlite3'),
        node: process.version,
      },
      ...result,
      ratios: { append: appendRatio, get: result.store.get.opsPerSecond / result.bare.select.opsPerSecond },
      appendTarget: { ratio: 0.5, met: appendRatio >= 0.5 },
    };
  } finally {
    await store.close();
    insertDb.close();
    selectDb.close();
    if (options.directory === undefined) rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const synchronous = process.argv[2] === 'full' ? 'full' : 'normal';
  const result = await benchSqlite({ synchronous, progress: (message) => process.stderr.write(`  ${message}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
