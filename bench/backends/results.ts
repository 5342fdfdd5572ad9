/** The shape of bench/results/backends.json. */

/** A suite's result, or why there is none (a missing driver, a server that would not start). */
export type Measured<T> = T | { readonly error: string };

/** Whether a {@link Measured} holds a result. */
export function isMeasured<T extends object>(value: Measured<T> | undefined): value is T {
  return value !== undefined && !('error' in value);
}

export interface BackendsResults {
  readonly suite: 'backends';
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryBytes: number;
    readonly os: string;
    readonly loadAverage: readonly number[];
  };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    readonly srcModified: boolean;
    readonly node: string;
  };
  /** SqliteStore against bare better-sqlite3, with each `synchronous` setting. */
  readonly sqlite: { readonly normal: Measured<SqliteBenchResult>; readonly full: Measured<SqliteBenchResult> };
  /** RedisStore against LangChain's Redis history and bare commands. */
  readonly redis: Measured<RedisBenchResult>;
  /**
   * PostgresStore against LangChain's PostgreSQL history and bare statements (absent from runs
   * made before PostgresStore existed).
   */
  readonly postgres?: Measured<PostgresBenchResult>;
}

/** One workload's rate: the median over runs, and every run's rate. */
export interface SqliteBenchRate {
  readonly opsPerSecond: number;
  readonly samples: readonly number[];
}

/** What {@link benchSqlite} returns. Ratios are SqliteStore ÷ bare: 1 means as fast as the floor. */
export interface SqliteBenchResult {
  /** The parameters used, defaults applied. */
  readonly parameters: {
    readonly synchronous: 'normal' | 'full';
    readonly conversations: number;
    readonly maxTurns: number;
    readonly contentLength: number;
    readonly opsPerRun: number;
    readonly runs: number;
  };
  /** Versions of what was measured. */
  readonly versions: { readonly sqlite: string; readonly betterSqlite3: string; readonly node: string };
  /** `SqliteStore.append` (steady state: each append trims the oldest turn) and `SqliteStore.get` (a hit: touches, reads 8 turns). */
  readonly store: { readonly append: SqliteBenchRate; readonly get: SqliteBenchRate };
  /**
   * The floor: one `INSERT` of a turn row, autocommitted (one transaction each, the cheapest a
   * write can be), and one `SELECT` of a conversation's turns in primary-key order, on a
   * same-shaped table with the same turns per conversation.
   */
  readonly bare: { readonly insert: SqliteBenchRate; readonly select: SqliteBenchRate };
  readonly ratios: { readonly append: number; readonly get: number };
  /** The acceptance target of the issue: SqliteStore append at least half the bare insert rate. */
  readonly appendTarget: { readonly ratio: 0.5; readonly met: boolean };
}

/** One workload's rate: the median over runs, and every run's rate; and the Redis server's CPU time per call. */
export interface RedisBenchRate {
  readonly opsPerSecond: number;
  readonly samples: readonly number[];
  /**
   * Microseconds of the Redis server's CPU (INFO cpu, user + system) per call, over all runs:
   * what one call costs the server, so `1e6 / redisCpuMicros` calls per second saturate one
   * Redis core, whatever the clients do.
   */
  readonly redisCpuMicros: number;
}

/**
 * The contenders: RedisStore on the node-redis it creates from a URL (6, with its default one
 * connection, and with `connections: 2`) and on LangChain's node-redis 4 (a client passed in: one
 * connection); LangChain on its own node-redis 4 and on node-redis 6; and the
 * floor, bare commands on node-redis 6. Same-driver pairs separate the design from the driver.
 */
export type RedisContender =
  'turnstore' | 'turnstoreTwoConnections' | 'turnstoreLangchainDriver' | 'langchain' | 'langchainSameDriver' | 'bare';

/** Append and get rates of each contender. */
export type RedisRates = Record<RedisContender, { readonly append: RedisBenchRate; readonly get: RedisBenchRate }>;

/** What {@link benchRedis} returns. Ratios are RedisStore ÷ the other: above 1, RedisStore is faster. */
export interface RedisBenchResult {
  readonly parameters: {
    readonly conversations: number;
    readonly maxTurns: number;
    readonly contentLength: number;
    readonly opsPerRun: number;
    readonly runs: number;
    readonly concurrency: number;
    readonly capacityConversations: number;
  };
  readonly versions: {
    readonly redisServer: string;
    readonly nodeRedis: string;
    readonly langchainRedis: string;
    readonly langchainNodeRedis: string;
    readonly node: string;
  };
  /** One caller, each call awaited before the next. */
  readonly sequential: RedisRates;
  /** `concurrency` callers at once on the same store (node-redis pipelines their commands). */
  readonly concurrent: RedisRates;
  /**
   * RedisStore ÷ LangChain, per mode and operation: `defaults` each on the driver it uses by
   * default (RedisStore from a URL: node-redis 6; LangChain: its node-redis 4); `sameDriver6` and
   * `sameDriver4` both on one driver; `bare` RedisStore ÷ the bare command.
   */
  readonly ratios: Record<
    'sequential' | 'concurrent',
    Record<
      'append' | 'get',
      { readonly defaults: number; readonly sameDriver6: number; readonly sameDriver4: number; readonly bare: number }
    >
  >;
  /**
   * The acceptance target: RedisStore append throughput at least LangChain's on the same server,
   * each as it comes (RedisStore from a URL, with its default connections; LangChain on its own
   * client), one caller and concurrent — while doing more (trim, TTL, LRU index, eviction).
   * `metOnEveryDriver` is the stricter reading: also on each same-driver pairing, where RedisStore
   * gets one caller-made connection.
   */
  readonly appendTarget: { readonly ratio: 1; readonly met: boolean; readonly metOnEveryDriver: boolean };
  /** What one Redis holds: memory per conversation, and appends that create a conversation at a full cap (each evicts one). */
  readonly capacity: {
    readonly conversations: number;
    readonly turnsEach: number;
    readonly usedMemoryBytes: number;
    readonly bytesPerConversation: number;
    readonly contentBytesPerConversation: number;
    readonly createAtCapPerSecond: number;
  };
}

/** One workload's rate: the median over runs, and every run's rate and call count. */
export interface PostgresBenchRate {
  readonly opsPerSecond: number;
  readonly samples: readonly number[];
  readonly calls: readonly number[];
  /**
   * With concurrent callers: what the server's client backends were doing while the runs were
   * timed, sampled from `pg_stat_activity` every few milliseconds — the mean number of active
   * backends in each `wait_event_type:wait_event` (`CPU:-` when not waiting). Shows where a
   * call's time goes on the server: row locks (`Lock:transactionid`, `Lock:tuple`), the WAL flush
   * (`IO:WALSync`) or waiting for another backend's flush (`LWLock:WALWrite`, group commit).
   */
  readonly waits?: Readonly<Record<string, number>>;
}

/**
 * The contenders: PostgresStore given the shared pool (`pool`), and as it comes from a
 * `connectionString` (a pool of its own, pg's default size, with its timeouts); LangChain's
 * history on the shared pool, one object per conversation kept for the run (`langchain`) or a new
 * one per call (`langchainPerCall`: what a `getMessageHistory` factory of
 * `RunnableWithMessageHistory`, called on every invocation, does; each new object first runs its
 * `CREATE TABLE IF NOT EXISTS`); and the floor, bare statements on the shared pool.
 */
export type PostgresContender = 'turnstore' | 'turnstoreOwnPool' | 'turnstoreTwoInstances' | 'langchain' | 'langchainPerCall' | 'bare';

/** Append and get rates of each contender. */
export type PostgresRates = Record<PostgresContender, { readonly append: PostgresBenchRate; readonly get: PostgresBenchRate }>;

/** What {@link benchPostgres} returns. Ratios are PostgresStore (shared pool) ÷ the other: above 1, PostgresStore is faster. */
export interface PostgresBenchResult {
  readonly parameters: {
    readonly conversations: number;
    readonly maxTurns: number;
    readonly contentLength: number;
    readonly opsPerRun: number;
    readonly secondsPerRun: number;
    readonly runs: number;
    readonly concurrency: number;
    readonly poolSize: number;
  };
  readonly versions: {
    readonly postgresServer: string;
    readonly pg: string;
    readonly langchainCommunity: string;
    readonly langchainCore: string;
    readonly node: string;
  };
  /** The server settings that decide what a commit costs, as `SHOW` reports them. */
  readonly serverSettings: Readonly<Record<string, string>>;
  /** The load average when this part started and when it ended (the machine is shared). */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  /** One caller, each call awaited before the next. */
  readonly sequential: PostgresRates;
  /** `concurrency` callers at once on the same pool. */
  readonly concurrent: PostgresRates;
  readonly ratios: Record<
    'sequential' | 'concurrent',
    Record<'append' | 'get', { readonly langchain: number; readonly langchainPerCall: number; readonly bare: number }>
  >;
  /**
   * The calls in each batch of appends PostgresStore (shared pool) sent during its timed append
   * runs: appends made while a batch is in flight go together as one function call.
   */
  readonly batchSizes?: { readonly sequential: BatchSizes; readonly concurrent: BatchSizes };
  /**
   * Row updates on PostgresStore's (shared pool) tables over the whole run, from
   * `pg_stat_user_tables`: all, and those done HOT (heap-only: no index entry written).
   */
  readonly rowUpdates?: Readonly<Record<string, { readonly updates: number; readonly hot: number }>>;
  /**
   * The acceptance targets: PostgresStore (shared pool) ÷ the other, each at least `ratio`
   * (`aim`: what the issue aims for beyond it). Runs before write-combining had `appendTargets`.
   */
  readonly targets?: readonly PostgresTarget[];
  readonly appendTargets?: {
    readonly langchain: { readonly ratio: number; readonly measured: number; readonly met: boolean };
    readonly bare: { readonly ratio: number; readonly measured: number; readonly met: boolean };
  };
}

/** Batches seen: how many, and the calls in them (mean and largest). */
export interface BatchSizes {
  readonly batches: number;
  readonly mean: number;
  readonly max: number;
}

/** One acceptance target of PostgresStore: a ratio to reach, what was measured, and whether it was. */
export interface PostgresTarget {
  readonly name: string;
  readonly measured: number;
  readonly ratio: number;
  readonly aim?: number;
  readonly met: boolean;
}
