/**
 * The real `turnstore serve`, as a user starts it: a child process of the built CLI on a free port
 * (`--port 0`), found by reading its start line. Every process started here is killed when the
 * test process exits, should a test not stop it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built CLI. */
export const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

const START_TIMEOUT_MS = 15_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The environment of the test process without any TURNSTORE_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('TURNSTORE_')) env[name] = value;
  return { ...env, ...extra };
}

/** A running service. */
export interface Service {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly startLine: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `turnstore serve --port 0 …args` and resolves once it prints its start line. */
export async function startService(args: readonly string[] = [], env: Record<string, string> = {}): Promise<Service> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  void exited.then(() => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const started = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no start line within ${START_TIMEOUT_MS} ms; stdout: ${stdout}; stderr: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const line = stdout.split('\n').find((candidate) => candidate.includes(' listening on '));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`turnstore serve exited (${signal ?? code}) before listening; stderr: ${stderr}`));
    });
  });
  const url = /listening on (http:\/\/\S+)/.exec(started)![1]!;
  return {
    url,
    startLine: started,
    child,
    output: () => ({ stdout, stderr }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, exitSignal] = await exited;
      return { code, signal: exitSignal };
    },
  };
}

/** Runs `turnstore …args` to completion (for commands that are expected to exit by themselves). */
export function runCli(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: START_TIMEOUT_MS });
}

/** A JSON request to the service; resolves with status, headers and the parsed body (or text). */
export async function request(
  service: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${service.url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as any };
}

/**
 * A request with `path` sent exactly as given (fetch would normalize dot segments and encodings),
 * over node:http; resolves with status, headers and body text.
 */
export function rawRequest(
  service: { url: string },
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; agent?: http.Agent | false } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const { hostname, port } = new URL(service.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: hostname.replace(/^\[|\]$/g, ''), port, method, path, headers: options.headers, agent: options.agent },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
