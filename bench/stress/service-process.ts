/**
 * The service under stress: `turnstore serve` from the build, in a process of its own with a small
 * heap, on a free loopback port; and the readings taken from outside it (RSS from /proc, heap and
 * content bytes from its own endpoints).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { join } from 'node:path';
import { fetchText } from './load.js';
import type { StressParameters } from './parameters.js';

/** How the byte budget reached the service. */
export type BudgetMode = 'flag' | 'derived-caps';

/** A running service. */
export interface StressService {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The arguments it was started with (after `node`). */
  readonly args: readonly string[];
  readonly budgetMode: BudgetMode;
  /** The conversation cap it was given. */
  readonly maxConversations: number;
  /** Resolves when the process exits, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it wrote to stderr. */
  stderrTail(): string;
}

/** Whether this build's `serve` takes `--max-total-bytes`. */
export function serveTakesMaxTotalBytes(cli: string): boolean {
  const help = spawnSync(process.execPath, [cli, 'serve', '--help'], { encoding: 'utf8' });
  return `${help.stdout}${help.stderr}`.includes('--max-total-bytes');
}

/**
 * Starts the service. With `--max-total-bytes` available the byte budget is passed as is and the
 * conversation cap is set high, so the budget is what binds. Without it, the conversation cap is
 * derived so that maxConversations × maxTurns × maxTurnBytes ≤ the budget: the same bound on
 * content, enforced by the caps the command line has.
 */
export async function startStressService(root: string, parameters: StressParameters): Promise<StressService> {
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  const budgetMode: BudgetMode = serveTakesMaxTotalBytes(cli) ? 'flag' : 'derived-caps';
  const maxConversations =
    budgetMode === 'flag'
      ? parameters.maxConversations
      : Math.floor(parameters.maxTotalBytes / (parameters.maxTurns * parameters.maxTurnBytes));
  const args = [
    `--max-old-space-size=${parameters.heapLimitMiB}`,
    cli,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--max-turns',
    String(parameters.maxTurns),
    '--max-turn-bytes',
    String(parameters.maxTurnBytes),
    '--max-conversations',
    String(maxConversations),
    ...(budgetMode === 'flag' ? ['--max-total-bytes', String(parameters.maxTotalBytes)] : []),
    '--log-level',
    'warn',
  ];
  // The caller's TURNSTORE_* settings (a token, a store) must not change what is measured.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TURNSTORE_')));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  // Last resort: however this process ends, the service does not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = once(child, 'exit').then(([code, signal]) => {
    process.off('exit', killOnExit);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let stdout = '';
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not say where it listens within 20 s: ${stdout}${stderr}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (code ${code}, signal ${signal}) before listening: ${stdout}${stderr}`));
    });
  });
  let url: string;
  try {
    url = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    child,
    args,
    budgetMode,
    maxConversations,
    exited,
    stderrTail: () => stderr.trim().split('\n').slice(-8).join('\n'),
  };
}

/** Resident set size of a process (VmRSS), in bytes; undefined when /proc has none (it exited, or not Linux). */
export function residentBytes(pid: number): number | undefined {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return undefined;
  try {
    const line = readFileSync(status, 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The heap-in-use gauge names looked for in /metrics: the service's own, then prom-client's default. */
const HEAP_METRICS = ['nodejs_heap_used_bytes', 'nodejs_heap_size_used_bytes'];

/** The V8 heap in use as the service reports it on /metrics; null if it does not or did not answer. */
export async function heapUsedBytes(agent: Agent, url: string): Promise<number | null> {
  try {
    const { status, text } = await fetchText(agent, `${url}/metrics`);
    if (status !== 200) return null;
    for (const name of HEAP_METRICS) {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text);
      if (match) return Number(match[1]);
    }
    return null;
  } catch {
    return null;
  }
}

/** `stats()` as /v1/stats answers it; null if it did not. */
export async function readStats(agent: Agent, url: string): Promise<{ bytes: number; conversations: number; turns: number } | null> {
  try {
    const { status, text } = await fetchText(agent, `${url}/v1/stats`);
    if (status !== 200) return null;
    const stats = JSON.parse(text) as { bytes: number; conversations: number; turns: number };
    return typeof stats.bytes === 'number' ? stats : null;
  } catch {
    return null;
  }
}

/** Asks the service to stop (SIGTERM) and waits up to `limitMs`; kills it if it does not go. */
export async function stopService(
  service: StressService,
  limitMs = 15_000,
): Promise<{ code: number | null; signal: string | null; timedOut: boolean }> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) {
    const { code, signal } = await service.exited;
    return { code, signal, timedOut: false };
  }
  service.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)));
  const outcome = await Promise.race([service.exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    service.child.kill('SIGKILL');
    const { code, signal } = await service.exited;
    return { code, signal, timedOut: true };
  }
  return { ...outcome, timedOut: false };
}
