/**
 * Redis servers for tests: each test file starts its own `redis-server` (or a three-master
 * cluster) on free loopback ports, with no persistence, in a temporary directory, and stops it
 * afterwards — also when the process exits early. Tests never touch a server they did not start.
 *
 * Without `redis-server` on the machine, {@link redisUnavailable} says why, and test files skip;
 * in CI (`CI=true`) a missing server is a failure instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli';
const STARTUP_TIMEOUT_MS = 10_000;

/** Every server process started by this module, killed on exit should a test not stop it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Why Redis tests cannot run here, or undefined when they can. Throws in CI, where a missing
 * `redis-server` must fail the run rather than skip it (`.ci/run` installs it).
 */
export function redisUnavailable(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `redis-server is not installed (${probe.error?.message ?? `exit ${probe.status}`}); install it (apt-get install redis-server) to run the Redis tests`;
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  return reason;
}

/** A loopback TCP port nobody listens on right now, found by letting the OS pick one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * Sends one command over a fresh raw connection and returns the reply's text. Independent of the
 * driver under test, so a helper cannot hide a driver bug.
 */
export async function rawCommand(port: number, ...args: string[]): Promise<string> {
  const socket = new Socket();
  const chunks: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', resolve);
    });
    const request = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
    return await new Promise<string>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        const text = Buffer.concat(chunks).toString('utf8');
        if (isCompleteReply(text)) resolve(text);
      });
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
}

/** Whether `text` holds one whole RESP2 reply (simple, error, integer or one bulk string: all these tests need). */
function isCompleteReply(text: string): boolean {
  if (!text.endsWith('\r\n')) return false;
  if (text[0] !== '$') return true;
  const header = text.indexOf('\r\n');
  const length = Number(text.slice(1, header));
  return length < 0 || Buffer.byteLength(text) >= header + 2 + length + 2;
}

/** One `redis-server` process this test file started. */
export class RedisTestServer {
  readonly port: number;
  readonly dir: string;
  readonly #extraArgs: readonly string[];
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string, extraArgs: readonly string[]) {
    this.port = port;
    this.dir = dir;
    this.#extraArgs = extraArgs;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port and waits until it answers PING. */
  static async start(extraArgs: readonly string[] = [], port?: number): Promise<RedisTestServer> {
    const dir = mkdtempSync(join(tmpdir(), 'turnstore-redis-'));
    const server = new RedisTestServer(port ?? (await freePort()), dir, extraArgs);
    await server.restart();
    return server;
  }

  /** Starts the process again on the same port (after {@link kill}), with an empty dataset. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error('the server is running');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...this.#extraArgs,
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.#child = child;
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
      try {
        if ((await rawCommand(this.port, 'PING')).startsWith('+PONG')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > STARTUP_TIMEOUT_MS)
        throw new Error(`redis-server on port ${this.port} did not answer PING within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`);
      await sleep(20);
    }
  }

  /** Kills the process at once (SIGKILL): what a crash or a pulled cable looks like to clients. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** Lets a {@link pause}d process run again (SIGCONT). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs a command on this server over a raw connection (see {@link rawCommand}). */
  command(...args: string[]): Promise<string> {
    return rawCommand(this.port, ...args);
  }
}

/** A Redis Cluster of three masters, no replicas, started from the same binary. */
export class RedisTestCluster {
  readonly nodes: readonly RedisTestServer[];

  private constructor(nodes: readonly RedisTestServer[]) {
    this.nodes = nodes;
  }

  /** Root node URLs for node-redis `createCluster({ rootNodes })`. */
  get rootNodes(): Array<{ url: string }> {
    return this.nodes.map((node) => ({ url: node.url }));
  }

  /**
   * Starts three cluster-enabled servers (each with its own config file and an explicit cluster
   * bus port, so no port+10000 guess can collide), joins them with `redis-cli --cluster create`,
   * and waits until every node reports `cluster_state:ok`.
   */
  static async start(): Promise<RedisTestCluster> {
    const nodes: RedisTestServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const busPort = await freePort();
        nodes.push(
          await RedisTestServer.start([
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '5000',
          ]),
        );
      }
      const create = spawnSync(
        REDIS_CLI,
        ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}): ${create.stdout}${create.stderr}`);
      const started = Date.now();
      for (;;) {
        const states = await Promise.all(nodes.map((node) => node.command('CLUSTER', 'INFO')));
        if (states.every((state) => state.includes('cluster_state:ok'))) break;
        if (Date.now() - started > 20_000) throw new Error(`the cluster did not reach cluster_state:ok: ${states.join('\n')}`);
        await sleep(50);
      }
      return new RedisTestCluster(nodes);
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      throw error;
    }
  }

  /** Stops every node. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

/** One command as MONITOR shows it: who sent it (`lua` for commands run by a script) and its words. */
export interface MonitoredCommand {
  readonly source: string;
  readonly words: readonly string[];
}

/**
 * A raw MONITOR connection: records every command the server executes, with its source, so a test
 * can count what a client really sent (commands run inside scripts show with source `lua`).
 */
export class RedisMonitor {
  readonly commands: MonitoredCommand[] = [];
  readonly #socket: Socket;
  #buffer = '';

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Connects and sends MONITOR; resolves once the server acknowledged it. */
  static async start(port: number): Promise<RedisMonitor> {
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', resolve);
    });
    const monitor = new RedisMonitor(socket);
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        monitor.#buffer += chunk.toString('utf8');
        let end: number;
        while ((end = monitor.#buffer.indexOf('\r\n')) >= 0) {
          const line = monitor.#buffer.slice(0, end);
          monitor.#buffer = monitor.#buffer.slice(end + 2);
          if (line === '+OK') resolve();
          else monitor.#record(line);
        }
      });
      socket.write('MONITOR\r\n');
    });
    return monitor;
  }

  /** `+1700000000.123456 [0 127.0.0.1:5555] "EVALSHA" "…"` → source and words. */
  #record(line: string): void {
    const match = /^\+[0-9.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
    if (!match) return;
    const words = [...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((word) => word[1]!);
    this.commands.push({ source: match[1]!, words });
  }

  /** Waits until a command satisfying `predicate` was seen (e.g. a marker PING sent last). */
  async waitFor(predicate: (command: MonitoredCommand) => boolean, timeoutMs = 5000): Promise<void> {
    const started = Date.now();
    while (!this.commands.some(predicate)) {
      if (Date.now() - started > timeoutMs) throw new Error('the monitor did not see the expected command');
      await sleep(5);
    }
  }

  stop(): void {
    this.#socket.destroy();
  }
}
