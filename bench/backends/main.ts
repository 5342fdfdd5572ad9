/**
 * `npm run bench:backends`: SqliteStore against bare better-sqlite3 (`bench/backends/sqlite.ts`)
 * and RedisStore against LangChain's Redis history and bare Redis commands
 * (`bench/backends/redis.ts`), and PostgresStore against LangChain's PostgreSQL history and a bare
 * single-row INSERT (`bench/backends/postgres.ts`), in one run. Writes bench/results/backends.json (figures, machine,
 * versions), prints the tables, and regenerates the backends section of docs/benchmarks.md.
 * Progress goes to stderr. A part that cannot run (no driver, no redis-server) is recorded as not
 * measured, with why, and the rest still runs. (A PostgreSQL that is missing or will not start:
 * the same.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/seed/seed-location.js';
import { writeBenchmarksDoc } from '../report.js';
import { benchPostgres } from './postgres.js';
import { benchRedis } from './redis.js';
import { machineLines, postgresTable, redisTable, sqliteTable, targetsTable, capacityLines } from './report-section.js';
import { isMeasured, type BackendsResults } from './results.js';
import { benchSqlite } from './sqlite.js';
import { git, partRunner } from '../run-support.js';

const root = repoRoot();
const progress = (message: string): void => {
  process.stderr.write(`[bench:backends] ${message}\n`);
};

const measured = partRunner(progress);

const started = performance.now();
const loadAverage = loadavg();
const cpuList = cpus();
const sqliteNormal = await measured('sqlite (normal)', () => benchSqlite({ synchronous: 'normal', progress }));
const sqliteFull = await measured('sqlite (full)', () => benchSqlite({ synchronous: 'full', progress }));
const redis = await measured('redis', () => benchRedis({ progress }));
const postgres = await measured('postgres', () => benchPostgres({ progress }));

const run: BackendsResults = {
  suite: 'backends',
  date: new Date().toISOString(),
  machine: {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
    loadAverage,
  },
  versions: {
    turnstore: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    gitCommit: git('rev-parse', '--short', 'HEAD'),
    srcModified: (git('status', '--porcelain', '--', 'src') ?? '') !== '',
    node: process.version,
  },
  sqlite: { normal: sqliteNormal, full: sqliteFull },
  redis,
  postgres,
};

const resultsPath = join(root, 'bench', 'results', 'backends.json');
writeFileSync(resultsPath, `${JSON.stringify(run, null, 2)}\n`);
const docPath = writeBenchmarksDoc(['backends']);
progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${resultsPath} and ${docPath}`);

const redisTables = isMeasured(run.redis)
  ? `${redisTable(run.redis)}\n\n${capacityLines(run.redis).join('\n')}`
  : `Redis not measured: ${run.redis.error}`;
const postgresTables = isMeasured(run.postgres) ? postgresTable(run.postgres) : `PostgreSQL not measured: ${run.postgres?.error}`;
process.stdout.write(
  `\n${machineLines(run).join('\n')}\n\n${targetsTable(run)}\n\n${sqliteTable(run)}\n\n${redisTables}\n\n${postgresTables}\n`,
);
