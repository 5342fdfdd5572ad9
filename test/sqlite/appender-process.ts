import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AppenderReport, AppenderTask } from './children/appender.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./children/appender.js', import.meta.url));

/** A child process running children/appender.js, and what it said. */
export class AppenderProcess {
  readonly child: ChildProcess;
  /** Every line the child wrote to stdout, so far. */
  readonly lines: string[] = [];
  /** Resolves when the child has opened its store. */
  readonly ready: Promise<void>;
  /** Resolves when the child has exited, with how, and what it wrote to stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  #onLine: ((line: string) => void) | undefined;

  constructor(task: AppenderTask) {
    this.child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      if (line === 'ready') markReady();
      this.#onLine?.(line);
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
      stderr,
    }));
    // A child that dies before it is ready must not leave the test waiting for `ready` forever.
    void this.exited.then(() => markReady());
  }

  /** Tells the child to start appending. */
  go(): void {
    this.child.stdin!.end('go\n');
  }

  /** Calls `listener` for every later line of stdout. */
  onLine(listener: (line: string) => void): void {
    this.#onLine = listener;
  }

  /** The child's final report; fails if it exited otherwise than with code 0 after reporting. */
  async report(): Promise<AppenderReport> {
    const { code, signal, stderr } = await this.exited;
    const done = this.lines.find((line) => line.startsWith('done '));
    if (code !== 0 || done === undefined) throw new Error(`appender exited with code ${code}, signal ${signal}: ${stderr}`);
    return JSON.parse(done.slice('done '.length)) as AppenderReport;
  }
}

/** Starts one appender per task, lets them all go at once, and returns their reports. */
export async function runAppenders(tasks: readonly AppenderTask[]): Promise<AppenderReport[]> {
  const children = tasks.map((task) => new AppenderProcess(task));
  try {
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    return await Promise.all(children.map((child) => child.report()));
  } finally {
    for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  }
}
