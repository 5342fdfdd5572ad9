/**
 * PostgresStore against LangChain's `PostgresChatMessageHistory` (from @langchain/community, as
 * it comes) and against the floor (one bare single-row `INSERT` / one `SELECT` of a conversation),
 * all on one pg pool, on a PostgreSQL started for the run with its durability settings left at
 * their defaults (fsync and synchronous_commit on), one caller at a time and with concurrent
 * callers, with ratios. bench/backends/main.ts calls {@link benchPostgres}; run this file
 * directly to print one result as JSON (arguments: conversations, ops per run, runs):
 *
 *   npm run build && node scripts/bench.mjs backends/postgres.js [conversations] [opsPerRun] [runs]
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { PostgresChatMessageHistory } from '@langchain/community/stores/message/postgres';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import pg from 'pg';
import { PostgresStore, type PostgresQueryConfig } from '../../src/postgres/index.js';
import { PostgresTestServer, postgresUnavailable } from '../../test/support/postgres-server.js';
import { median } from '../core/measure.js';
import { packageVersion } from '../package-version.js';
import { contentsOf, conversationIds, roleOf, timeRun } from './workload.js';
import type { BatchSizes, PostgresBenchRate, PostgresBenchResult, PostgresContender, PostgresRates, PostgresTarget } from './results.js';

/** What {@link benchPostgres} measures and how; every field has a default. */
export interface PostgresBenchOptions {
  /**
   * Conversations, each pre-filled with `maxTurns` turns, that append and get visit round-robin
   * (each PostgresStore append then trims the oldest turn, as in a long chat).
   * @default 1000
   */
  readonly conversations?: number;
  /** @default 8 */
  readonly maxTurns?: number;
  /** Mean content length (ASCII); lengths vary from half to one and a half times it. @default 200 */
  readonly contentLength?: number;
  /** Most operations timed per workload per run. @default 2000 */
  readonly opsPerRun?: number;
  /**
   * Most seconds a workload's run may take: no call starts after it, so a slow contender (one
   * fsync per append, or a scan per get) costs the run seconds, not minutes. The rate is the calls
   * completed over the time taken either way.
   * @default 2
   */
  readonly secondsPerRun?: number;
  /** Runs; each times every workload once in a rotating order; the median run is reported. @default 5 */
  readonly runs?: number;
  /** Callers in flight at once in the concurrent runs. @default 16 */
  readonly concurrency?: number;
  /** Called with a line of progress now and then. */
  readonly progress?: (message: string) => void;
}

/**
 * Samples `pg_stat_activity` on `monitor` until `done` settles: for each sample, the active client
 * backends (other than the monitor's) by wait event. Returns the sums and the number of samples.
 */
async function sampleWaits(monitor: pg.Client, done: Promise<unknown>): Promise<{ sums: Map<string, number>; samples: number }> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  const sums = new Map<string, number>();
  let samples = 0;
  while (!finished) {
    const result = await monitor.query<{ wait: string; backends: number }>({
      name: 'bench-waits',
      text: `SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') AS wait, count(*)::int AS backends
        FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1`,
    });
    for (const row of result.rows) sums.set(row.wait, (sums.get(row.wait) ?? 0) + row.backends);
    samples++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { sums, samples };
}

/** Mean and largest of the batch sizes seen. */
function batchSizesOf(sizes: readonly number[]): BatchSizes {
  return {
    batches: sizes.length,
    mean: sizes.length === 0 ? 0 : sizes.reduce((sum, size) => sum + size, 0) / sizes.length,
    max: Math.max(0, ...sizes),
  };
}

function target(name: string, measured: number, ratio: number, aim?: number): PostgresTarget {
  return { name, measured, ratio, ...(aim === undefined ? {} : { aim }), met: measured >= ratio };
}

/** A workload: one contender's operation. */
interface Workload {
  readonly contender: PostgresContender;
  readonly op: 'append' | 'get';
  readonly call: (index: number) => Promise<unknown>;
}

/**
 * Measures PostgresStore against LangChain's PostgreSQL history and bare statements on a
 * PostgreSQL of its own (started and stopped here, fsync on), with `concurrency` callers and with
 * one. A few minutes with the defaults. Throws, saying why, when PostgreSQL cannot be started here.
 */
export async function benchPostgres(options: PostgresBenchOptions = {}): Promise<PostgresBenchResult> {
  const conversations = options.conversations ?? 1000;
  const maxTurns = options.maxTurns ?? 8;
  const contentLength = options.contentLength ?? 200;
  const opsPerRun = options.opsPerRun ?? 2000;
  const secondsPerRun = options.secondsPerRun ?? 2;
  const runs = options.runs ?? 5;
  const concurrency = options.concurrency ?? 16;
  const progress = options.progress ?? (() => {});
  const loadAtStart = loadavg();

  const unavailable = postgresUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);

  const contentOf = contentsOf(contentLength);
  const messageOf = (index: number): BaseMessage => (index & 1 ? new AIMessage(contentOf(index)) : new HumanMessage(contentOf(index)));
  const { readIds, writeIds } = conversationIds(conversations);

  // Durability as PostgreSQL ships it (fsync, synchronous_commit, full_page_writes on), and its
  // default shared_buffers rather than the test helper's smaller one.
  const server = await PostgresTestServer.start({ durable: true, settings: { shared_buffers: '128MB' } });
  // One pool, pg's defaults (10 connections), shared by PostgresStore, LangChain and the bare statements.
  const pool = new pg.Pool({ connectionString: server.url });
  pool.on('error', () => {});
  const capacity = { maxTurns, maxConversations: 4 * conversations, ttlSeconds: 3600 };
  // The store on the shared pool, through a wrapper that notes the calls in each batch of appends
  // it sends (the length of the appends function's ids): the batch sizes of its timed runs.
  let batchSizes: number[] | undefined;
  const store = new PostgresStore({
    pool: {
      query: (config: PostgresQueryConfig) => {
        if (batchSizes !== undefined && /_appends"\(/.test(config.text)) batchSizes.push((config.values![0] as unknown[]).length);
        return pool.query(config as pg.QueryConfig) as never;
      },
      connect: () => pool.connect() as never,
    },
    tablePrefix: 'bench_',
    ...capacity,
  });
  const storeOwnPool = new PostgresStore({ connectionString: server.url, tablePrefix: 'bench_own_', ...capacity });
  // Two app instances scaled out on the same tables: two stores, each with a pool of its own, the
  // callers split between them (their batches commit side by side).
  const instances = [0, 1].map(() => new PostgresStore({ connectionString: server.url, tablePrefix: 'bench_instances_', ...capacity }));
  const monitor = new pg.Client({ connectionString: server.url });
  monitor.on('error', () => {});
  try {
    await monitor.connect();
    await pool.query(`CREATE TABLE bare_turns (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      conversation text NOT NULL,
      role smallint NOT NULL,
      content text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await pool.query('CREATE INDEX bare_turns_by_conversation ON bare_turns (conversation, id)');
    const bareInsert = (id: string, index: number) =>
      pool.query({
        name: 'bare-insert',
        text: 'INSERT INTO bare_turns (conversation, role, content) VALUES ($1, $2, $3)',
        values: [id, index & 1, contentOf(index)],
      });
    const bareSelect = (id: string) =>
      pool.query({
        name: 'bare-select',
        text: 'SELECT role, content, created_at FROM bare_turns WHERE conversation = $1 ORDER BY id',
        values: [id],
      });
    // LangChain as its documentation shows it: one history per conversation on a shared pool,
    // default table name (created by its first call).
    const histories = (ids: readonly string[]) => ids.map((sessionId) => new PostgresChatMessageHistory({ pool, sessionId }));
    const langchain = { read: histories(readIds), write: histories(writeIds) };
    // Its first call runs CREATE TABLE IF NOT EXISTS; several at once can fail with "relation
    // already exists" (42P07, which it does not catch), so one call makes the table first.
    await new PostgresChatMessageHistory({ pool, sessionId: 'create-the-table' }).getMessages();

    progress(`postgres: filling ${conversations} read and ${conversations} write conversations × ${maxTurns} turns for each contender`);
    await timeRun(
      async (c) => {
        for (const id of [readIds[c]!, writeIds[c]!]) {
          const turns = Array.from({ length: maxTurns }, (_, t) => ({
            role: roleOf(t * conversations + c),
            content: contentOf(t * conversations + c),
          }));
          await store.appendMany(id, turns);
          await storeOwnPool.appendMany(id, turns);
          await instances[c & 1]!.appendMany(id, turns);
        }
        for (let turn = 0; turn < maxTurns; turn++) {
          const index = turn * conversations + c;
          await langchain.read[c]!.addMessage(messageOf(index));
          await langchain.write[c]!.addMessage(messageOf(index));
          await bareInsert(readIds[c]!, index);
          await bareInsert(writeIds[c]!, index);
        }
      },
      0,
      conversations,
      concurrency,
    );
    await pool.query('VACUUM ANALYZE');

    const workloads: Workload[] = [
      { contender: 'turnstore', op: 'append', call: (i) => store.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)) },
      { contender: 'turnstore', op: 'get', call: (i) => store.get(readIds[i % conversations]!) },
      {
        contender: 'turnstoreOwnPool',
        op: 'append',
        call: (i) => storeOwnPool.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)),
      },
      { contender: 'turnstoreOwnPool', op: 'get', call: (i) => storeOwnPool.get(readIds[i % conversations]!) },
      {
        contender: 'turnstoreTwoInstances',
        op: 'append',
        call: (i) => instances[i & 1]!.append(writeIds[i % conversations]!, roleOf(i), contentOf(i)),
      },
      { contender: 'turnstoreTwoInstances', op: 'get', call: (i) => instances[i & 1]!.get(readIds[i % conversations]!) },
      { contender: 'langchain', op: 'append', call: (i) => langchain.write[i % conversations]!.addMessage(messageOf(i)) },
      { contender: 'langchain', op: 'get', call: (i) => langchain.read[i % conversations]!.getMessages() },
      {
        contender: 'langchainPerCall',
        op: 'append',
        call: (i) => new PostgresChatMessageHistory({ pool, sessionId: writeIds[i % conversations]! }).addMessage(messageOf(i)),
      },
      {
        contender: 'langchainPerCall',
        op: 'get',
        call: (i) => new PostgresChatMessageHistory({ pool, sessionId: readIds[i % conversations]! }).getMessages(),
      },
      { contender: 'bare', op: 'append', call: (i) => bareInsert(writeIds[i % conversations]!, i) },
      { contender: 'bare', op: 'get', call: (i) => bareSelect(readIds[i % conversations]!) },
    ];

    const batches: Record<'sequential' | 'concurrent', number[]> = { sequential: [], concurrent: [] };
    const measure = async (callers: number): Promise<PostgresRates> => {
      const label = callers === 1 ? 'one caller' : `${callers} concurrent callers`;
      for (const workload of workloads)
        await timeRun(workload.call, 0, Math.max(1, Math.floor(opsPerRun / 10)), callers, secondsPerRun / 4);
      const samples = new Map<Workload, { perSecond: number[]; calls: number[] }>(
        workloads.map((workload) => [workload, { perSecond: [], calls: [] }]),
      );
      const waits = new Map<Workload, { sums: Map<string, number>; samples: number }>(
        workloads.map((workload) => [workload, { sums: new Map(), samples: 0 }]),
      );
      let index = opsPerRun;
      for (let run = 0; run < runs; run++) {
        // Rotating the order spreads machine noise (and checkpoints) over every workload alike.
        for (let k = 0; k < workloads.length; k++) {
          const workload = workloads[(run + k) % workloads.length]!;
          if (workload === workloads[0]) batchSizes = batches[callers === 1 ? 'sequential' : 'concurrent'];
          const running = timeRun(workload.call, index, opsPerRun, callers, secondsPerRun);
          // Sampled with concurrent callers only: one caller leaves nothing to wait on but the call.
          if (callers > 1) {
            const sampled = await sampleWaits(monitor, running);
            const into = waits.get(workload)!;
            for (const [wait, backends] of sampled.sums) into.sums.set(wait, (into.sums.get(wait) ?? 0) + backends);
            into.samples += sampled.samples;
          }
          const timed = await running;
          batchSizes = undefined;
          samples.get(workload)!.perSecond.push(timed.perSecond);
          samples.get(workload)!.calls.push(timed.calls);
          index += opsPerRun;
        }
        progress(`postgres, ${label}: run ${run + 1}/${runs} done`);
      }
      const rate = (contender: PostgresContender, op: 'append' | 'get'): PostgresBenchRate => {
        const workload = workloads.find((candidate) => candidate.contender === contender && candidate.op === op)!;
        const taken = samples.get(workload)!;
        const sampled = waits.get(workload)!;
        const mean =
          sampled.samples === 0
            ? undefined
            : Object.fromEntries([...sampled.sums].sort((a, b) => b[1] - a[1]).map(([wait, sum]) => [wait, sum / sampled.samples]));
        return { opsPerSecond: median(taken.perSecond), samples: taken.perSecond, calls: taken.calls, ...(mean ? { waits: mean } : {}) };
      };
      const rates = (contender: PostgresContender) => ({ append: rate(contender, 'append'), get: rate(contender, 'get') });
      return {
        turnstore: rates('turnstore'),
        turnstoreOwnPool: rates('turnstoreOwnPool'),
        turnstoreTwoInstances: rates('turnstoreTwoInstances'),
        langchain: rates('langchain'),
        langchainPerCall: rates('langchainPerCall'),
        bare: rates('bare'),
      };
    };
    const sequential = await measure(1);
    const concurrent = await measure(concurrency);

    const ratiosOf = (rates: PostgresRates) => {
      const of = (op: 'append' | 'get') => ({
        langchain: rates.turnstore[op].opsPerSecond / rates.langchain[op].opsPerSecond,
        langchainPerCall: rates.turnstore[op].opsPerSecond / rates.langchainPerCall[op].opsPerSecond,
        bare: rates.turnstore[op].opsPerSecond / rates.bare[op].opsPerSecond,
      });
      return { append: of('append'), get: of('get') };
    };
    const ratios = { sequential: ratiosOf(sequential), concurrent: ratiosOf(concurrent) };

    // How many row updates were HOT (no index touched) on PostgresStore's tables over the whole run.
    const updates: Record<string, { updates: number; hot: number }> = {};
    await pool.query('SELECT pg_stat_force_next_flush()').catch(() => {});
    for (const row of (
      await pool.query<{ table: string; updates: string; hot: string }>(
        `SELECT relname AS table, n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname IN ('bench_conversations', 'bench_totals', 'bench_totals_shards') ORDER BY relname`,
      )
    ).rows)
      updates[row.table] = { updates: Number(row.updates), hot: Number(row.hot) };

    const show = async (setting: string): Promise<string> =>
      String(((await pool.query(`SHOW ${setting}`)).rows[0] as Record<string, unknown>)[setting]);
    const serverSettings: Record<string, string> = {};
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections'])
      serverSettings[setting] = await show(setting);

    return {
      parameters: { conversations, maxTurns, contentLength, opsPerRun, secondsPerRun, runs, concurrency, poolSize: pool.options.max ?? 10 },
      versions: {
        postgresServer: await show('server_version'),
        pg: packageVersion('pg'),
        langchainCommunity: packageVersion('@langchain/community'),
        langchainCore: packageVersion('@langchain/core'),
        node: process.version,
      },
      serverSettings,
      loadAverage: { start: loadAtStart, end: loadavg() },
      sequential,
      concurrent,
      ratios,
      batchSizes: { sequential: batchSizesOf(batches.sequential), concurrent: batchSizesOf(batches.concurrent) },
      rowUpdates: updates,
      targets: [
        target(
          `append ÷ LangChain PostgresChatMessageHistory append, same pool, ${concurrency} callers`,
          ratios.concurrent.append.langchain,
          1.25,
          1.5,
        ),
        target(`append ÷ bare single-row INSERT, same pool, ${concurrency} callers`, ratios.concurrent.append.bare, 0.7),
        target(`get ÷ bare SELECT, same pool, ${concurrency} callers`, ratios.concurrent.get.bare, 0.5),
        target('append ÷ LangChain PostgresChatMessageHistory append, same pool, one caller', ratios.sequential.append.langchain, 0.9),
      ],
    };
  } finally {
    await store.close().catch(() => {});
    await storeOwnPool.close().catch(() => {});
    for (const instance of instances) await instance.close().catch(() => {});
    await monitor.end().catch(() => {});
    await pool.end().catch(() => {});
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [conversations, opsPerRun, runs] = process.argv.slice(2).map((arg) => (Number.isFinite(Number(arg)) ? Number(arg) : undefined));
  const result = await benchPostgres({ conversations, opsPerRun, runs, progress: (message) => process.stderr.write(`  ${message}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
