/** The two servers under test, each in a process of its own, and their resident memory. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A server process and the URL it listens on. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `node …args` and waits for a line of stdout matching `urlPattern` (its first group is the URL). */
async function startProcess(args: readonly string[], urlPattern: RegExp): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  const exited = once(child, 'exit');
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = urlPattern.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`${args.join(' ')} exited before listening: ${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      running.delete(child);
    },
  };
}

/** `turnstore serve` as `npm start` runs it (the built CLI), on a free port. */
export function startService(root: string, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  return startProcess([join(root, 'dist/src/cli/main.js'), 'serve', '--port', '0', ...extraArgs], /listening on (http:\/\/\S+)/);
}

/** The bare Fastify server of bare-server.ts. */
export function startBareServer(turnsEach: number, contentLength: number): Promise<ServerProcess> {
  return startProcess(
    [fileURLToPath(new URL('./bare-server.js', import.meta.url)), String(turnsEach), String(contentLength)],
    /^(http:\/\/\S+)$/m,
  );
}

/** A `node` process that does nothing: how much of any figure is Node itself. */
export async function startEmptyNode(): Promise<ServerProcess> {
  return startProcess(['-e', "process.stdout.write('ready http://none\\n'); setInterval(() => {}, 60_000)"], /ready (http:\/\/none)/);
}

/** Resident set size of a process in bytes: /proc on Linux, `ps` elsewhere. */
export function residentBytes(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (existsSync(status)) {
    const line = readFileSync(status, 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('VmRSS:'));
    if (line) return Number(line.split(/\s+/)[1]) * 1024;
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  return Number(ps.stdout.trim()) * 1024;
}

const clockTicks = (() => {
  const getconf = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(getconf.stdout.trim()) || 100;
})();

/** CPU time (user + system) a process has used so far, in microseconds; undefined where /proc is missing. */
export function cpuMicros(pid: number): number | undefined {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  // Fields after the command name, which is in parentheses and may hold spaces: utime, stime are the 12th and 13th.
  const text = readFileSync(stat, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}
