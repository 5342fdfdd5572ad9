/**
 * PostgresStore against the floor — one bare single-row `INSERT` (append) and one indexed
 * `SELECT` of a session's rows (get) on the same pool — one caller at a time and with concurrent
 * callers, on a PostgreSQL cluster started for the run. bench/backends/main.ts calls
 * {@link benchPostgres}; run this file directly to print one result as JSON:
 *
 *   npm run build && node dist/bench/backends/postgres.js
 *
 * Not measured yet: LangChain's `PostgresChatMessageHistory` (@langchain/community), whose
 * install does not resolve beside this project's dependencies without `--legacy-peer-deps`.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres/index.js';
import { PostgresTestServer } from '../../test/support/postgres-server.js';
import { median } from '../core/measure.js';

/** What {@link benchPostgres} measures and how; every field has a default. */
export interface PostgresBenchOptions {
  /** Conversations visited round-robin, each pre-filled with `maxTurns` turns (every append then trims one). @default 1000 */
  readonly conversations?: number;
  /** @default 8 */
  readonly maxTurns?: number;
  /** Mean content length (ASCII). @default 200 */
  readonly contentLength?: number;
  /** Operations timed per workload per run. @default 2000 */
  readonly opsPerRun?: number;
  /** Runs; the median is reported. @default 5 */
  readonly runs?: number;
  /** Callers in flight at once in the concurrent runs (and the pool's size). @default 16 */
  readonly concurrency?: number;
  /** fsync and synchronous_commit on, as a production server. @default true */
  readonly durable?: boolean;
  readonly progress?: (message: string) => void;
}

/** The contenders: PostgresStore, and the floor (bare statements on the same pool). */
export type PostgresContender = 'turnstore' | 'bare';

/** One workload's rate: the median over runs, and every run's rate. */
export interface PostgresBenchRate {
  readonly opsPerSecond: number;
  readonly samples: readonly number[];
}

/** What {@link benchPostgres} returns. Ratios are PostgresStore ÷ the bare statement. */
export interface PostgresBenchResult {
  readonly parameters: Required<Omit<PostgresBenchOptions, 'progress'>>;
  readonly server: string;
  readonly pg: string;
  readonly oneCaller: Record<PostgresContender, { readonly append: PostgresBenchRate; readonly get: PostgresBenchRate }>;
  readonly concurrent: Record<PostgresContender, { readonly append: PostgresBenchRate; readonly get: PostgresBenchRate }>;
  readonly ratios: { readonly appendVsBare: { readonly oneCaller: number; readonly concurrent: number } };
}

/** Runs `count` calls of `call`, `callers` at a time; the rate in calls per second. */
async function timeRun(call: (index: number) => Promise<unknown>, first: number, count: number, callers: number): Promise<number> {
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < count) await call(first + next++);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: callers }, caller));
  return (count * 1000) / (performance.now() - start);
}

/** Measures PostgresStore and the bare statements; starts and stops its own server. */
export async function benchPostgres(options: PostgresBenchOptions = {}): Promise<PostgresBenchResult> {
  const parameters = {
    conversations: options.conversations ?? 1000,
    maxTurns: options.maxTurns ?? 8,
    contentLength: options.contentLength ?? 200,
    opsPerRun: options.opsPerRun ?? 2000,
    runs: options.runs ?? 5,
    concurrency: options.concurrency ?? 16,
    durable: options.durable ?? true,
  };
  const progress = options.progress ?? (() => {});
  const server = await PostgresTestServer.start({ durable: parameters.durable });
  const pool = new pg.Pool({ connectionString: server.url, max: parameters.concurrency }).on('error', () => {});
  try {
    const store = new PostgresStore({ pool, maxTurns: parameters.maxTurns, maxConversations: parameters.conversations * 2, ttlSeconds: 3600, commandTimeoutMs: 60_000 });
    await pool.query('CREATE TABLE bare_messages (id bigserial PRIMARY KEY, session_id text NOT NULL, message text NOT NULL)');
    await pool.query('CREATE INDEX bare_messages_by_session ON bare_messages (session_id, id)');
    const content = (i: number): string => 'x'.repeat(Math.round(parameters.contentLength * (0.5 + ((i * 7919) % 1000) / 1000)));
    const id = (i: number): string => `conversation ${i % parameters.conversations}`;
    progress(`postgres: filling ${parameters.conversations} conversations`);
    for (let c = 0; c < parameters.conversations; c++) {
      await store.appendMany(id(c), Array.from({ length: parameters.maxTurns }, (_, k) => ({ role: k % 2 ? 'assistant' as const : 'user' as const, content: content(c + k) })));
      await pool.query({ text: 'INSERT INTO bare_messages (session_id, message) SELECT $1, $2 FROM generate_series(1, $3)', values: [id(c), content(c), parameters.maxTurns] });
    }
    const calls: Record<PostgresContender, { append: (i: number) => Promise<unknown>; get: (i: number) => Promise<unknown> }> = {
      turnstore: { append: (i) => store.append(id(i), 'user', content(i)), get: (i) => store.get(id(i)) },
      bare: {
        append: (i) => pool.query({ name: 'bare_insert', text: 'INSERT INTO bare_messages (session_id, message) VALUES ($1, $2)', values: [id(i), content(i)] }),
        get: (i) => pool.query({ name: 'bare_select', text: 'SELECT message FROM bare_messages WHERE session_id = $1 ORDER BY id', values: [id(i)] }),
      },
    };
    const contenders = Object.keys(calls) as PostgresContender[];
    const samples = new Map<string, number[]>();
    let offset = 0;
    for (let run = 0; run < parameters.runs; run++) {
      for (const callers of [1, parameters.concurrency]) {
        // A rotating order, so neither contender always runs first.
        for (let k = 0; k < contenders.length; k++) {
          const contender = contenders[(run + k) % contenders.length]!;
          for (const op of ['append', 'get'] as const) {
            const rate = await timeRun(calls[contender][op], offset, parameters.opsPerRun, callers);
            offset += parameters.opsPerRun;
            const key = `${callers}/${contender}/${op}`;
            samples.set(key, [...(samples.get(key) ?? []), rate]);
          }
        }
      }
      progress(`postgres: run ${run + 1}/${parameters.runs}`);
    }
    const rate = (key: string): PostgresBenchRate => ({ opsPerSecond: median(samples.get(key)!), samples: samples.get(key)! });
    const table = (callers: number) => Object.fromEntries(contenders.map((contender) => [contender, { append: rate(`${callers}/${contender}/append`), get: rate(`${callers}/${contender}/get`) }])) as PostgresBenchResult['oneCaller'];
    const oneCaller = table(1);
    const concurrent = table(parameters.concurrency);
    const version = (await pool.query('SELECT version() AS v')).rows[0].v as string;
    await store.close();
    return {
      parameters,
      server: version,
      pg: (await import('pg/package.json', { with: { type: 'json' } })).default.version as string,
      oneCaller,
      concurrent,
      ratios: {
        appendVsBare: {
          oneCaller: oneCaller.turnstore.append.opsPerSecond / oneCaller.bare.append.opsPerSecond,
          concurrent: concurrent.turnstore.append.opsPerSecond / concurrent.bare.append.opsPerSecond,
        },
      },
    };
  } finally {
    await pool.end();
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchPostgres({ progress: (message) => process.stderr.write(`${message}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
