/**
 * PostgreSQL servers for tests: each test file that needs one starts its own cluster (`initdb`,
 * then `pg_ctl start`) in a temporary directory, listening on a free loopback port with trust
 * authentication on loopback only, and stops it afterwards — also when the process exits early.
 * Tests never touch a server they did not start.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the
 * `postgres` user: its directory is chowned to it and every server command runs through
 * `runuser -u postgres --`.
 *
 * `fsync` is off unless a test asks for durability (`durable: true`): the tests are about what the
 * store does, and a crash of the test machine's OS is not one of their cases.
 *
 * Without PostgreSQL on the machine, {@link postgresUnavailable} says why, and test files skip; in
 * CI (`CI=true`) a missing server is a failure instead (`.ci/run` installs it).
 */
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';

const STARTUP_TIMEOUT_SECONDS = 60;

/** The folder holding initdb, pg_ctl and psql: `PG_BIN`, else the newest /usr/lib/postgresql/<v>/bin. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN !== undefined) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^[0-9]+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(root, versions[0]!, 'bin');
}

/**
 * Why PostgreSQL tests cannot run here, or undefined when they can. Throws in CI, where a missing
 * server must fail the run rather than skip it.
 */
export function postgresUnavailable(): string | undefined {
  const bin = postgresBinDir();
  let reason: string | undefined;
  if (bin === undefined)
    reason =
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, and PG_BIN is not set); install it (apt-get install postgresql) to run the PostgreSQL tests';
  else if (isRoot() && postgresUser() === undefined)
    reason = 'running as root, but there is no "postgres" user to run the server as (PostgreSQL refuses root)';
  if (reason === undefined) return undefined;
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  return reason;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The uid and gid of the `postgres` user, or undefined when there is none. */
function postgresUser(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Runs a PostgreSQL program, as the postgres user when we are root. */
function runAsOwner(
  program: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, [...args]];
  return spawnSync(command, commandArgs, { encoding: 'utf8', input: options.input, timeout: options.timeoutMs ?? 120_000, cwd: tmpdir() });
}

/** {@link runAsOwner} without blocking the event loop, so calls in flight go on while the server stops or starts. */
function runAsOwnerAsync(program: string, args: readonly string[]): Promise<void> {
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, [...args]];
  return new Promise((resolve, reject) => {
    execFile(command, commandArgs, { encoding: 'utf8', timeout: 120_000, cwd: tmpdir() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}${stdout}${stderr}`));
      else resolve();
    });
  });
}

/** Every running server started by this module, stopped on exit should a test not stop it. */
const running = new Set<PostgresTestServer>();
process.once('exit', () => {
  for (const server of running) server.stopNow();
});

/** Options of {@link PostgresTestServer.start}. */
export interface PostgresTestServerOptions {
  /** Keep fsync on (for tests about durability). @default false */
  readonly durable?: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** One PostgreSQL cluster this test file started. */
export class PostgresTestServer {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #settings: Readonly<Record<string, string>>;
  #running = false;

  private constructor(bin: string, port: number, dir: string, settings: Readonly<Record<string, string>>) {
    this.#bin = bin;
    this.port = port;
    this.dir = dir;
    this.#settings = settings;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication: no password). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get #dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Creates a cluster in a new temporary directory and starts it on a free port. */
  static async start(options: PostgresTestServerOptions = {}): Promise<PostgresTestServer> {
    const bin = postgresBinDir();
    if (bin === undefined) throw new Error('PostgreSQL is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'turnstore-postgres-'));
    if (isRoot()) {
      const owner = postgresUser();
      if (owner === undefined) throw new Error('no postgres user to run the server as');
      chownSync(dir, owner.uid, owner.gid);
    }
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: '100',
      shared_buffers: '32MB',
      logging_collector: 'off',
      ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
      ...options.settings,
    };
    const server = new PostgresTestServer(bin, await freePort(), dir, settings);
    try {
      const init = runAsOwner(join(bin, 'initdb'), [
        '-D',
        server.#dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C',
        ...(options.durable ? [] : ['--no-sync']),
      ]);
      if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.error?.message}): ${init.stdout}${init.stderr}`);
      server.startAgain();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** Starts the server (again, after {@link stopServer}) on the same port and data, waiting until it accepts connections. */
  startAgain(): void {
    if (this.#running) throw new Error('the server is running');
    const start = runAsOwner(join(this.#bin, 'pg_ctl'), [
      '-D',
      this.#dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      this.#settingsArgument(),
      '-w',
      '-t',
      String(STARTUP_TIMEOUT_SECONDS),
      'start',
    ]);
    if (start.status !== 0)
      throw new Error(`pg_ctl start failed (${start.status ?? start.error?.message}): ${start.stdout}${start.stderr}\n${this.log()}`);
    this.#running = true;
    running.add(this);
  }

  /**
   * Stops the server: `fast` (the default) disconnects clients and shuts down cleanly, as an
   * administrator's restart does; `immediate` quits at once, like a crash (recovery at the next start).
   */
  stopServer(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!this.#running) return;
    const stop = runAsOwner(join(this.#bin, 'pg_ctl'), [
      '-D',
      this.#dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      String(STARTUP_TIMEOUT_SECONDS),
      'stop',
    ]);
    if (stop.status !== 0) throw new Error(`pg_ctl stop failed (${stop.status ?? stop.error?.message}): ${stop.stdout}${stop.stderr}`);
    this.#running = false;
    running.delete(this);
  }

  /** {@link stopServer} without blocking the event loop. */
  async stopServerAsync(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.#running) return;
    await runAsOwnerAsync(join(this.#bin, 'pg_ctl'), [
      '-D',
      this.#dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      String(STARTUP_TIMEOUT_SECONDS),
      'stop',
    ]);
    this.#running = false;
    running.delete(this);
  }

  /** {@link startAgain} without blocking the event loop. */
  async startAgainAsync(): Promise<void> {
    if (this.#running) throw new Error('the server is running');
    await runAsOwnerAsync(join(this.#bin, 'pg_ctl'), [
      '-D',
      this.#dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      this.#settingsArgument(),
      '-w',
      '-t',
      String(STARTUP_TIMEOUT_SECONDS),
      'start',
    ]);
    this.#running = true;
    running.add(this);
  }

  #settingsArgument(): string {
    return Object.entries({ port: String(this.port), ...this.#settings })
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
  }

  /** Stops the server (fast) and starts it again on the same port and data. */
  restart(): void {
    this.stopServer('fast');
    this.startAgain();
  }

  /** Stops the server if running and removes its directory. */
  async stop(): Promise<void> {
    this.stopServer('fast');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** For the exit hook: stops at once, ignoring failures, and removes the directory. */
  stopNow(): void {
    try {
      this.stopServer('immediate');
    } catch {
      // the process is exiting: nothing better to do
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server log so far (for failure messages). */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Runs SQL with psql and returns its unaligned, tuples-only output (`|` between columns, one row
   * a line). Independent of the driver under test, so a helper cannot hide a driver bug. Throws on
   * any SQL error.
   */
  sql(text: string, database = 'postgres'): string {
    const result = spawnSync(
      join(this.#bin, 'psql'),
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-f', '-'],
      {
        encoding: 'utf8',
        input: text,
        timeout: 60_000,
      },
    );
    if (result.status !== 0) throw new Error(`psql failed (${result.status ?? result.error?.message}): ${result.stderr}`);
    return result.stdout.replace(/\n$/, '');
  }
}
