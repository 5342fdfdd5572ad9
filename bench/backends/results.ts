/** The shape of bench/results/backends.json. */
import type { PostgresBenchResult } from './postgres.js';
import type { RedisBenchResult } from './redis.js';
import type { SqliteBenchResult } from './sqlite.js';

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
