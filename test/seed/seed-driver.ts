/**
 * Runs operation logs through the Python seed, by way of test/seed/driver.py: one `python3`
 * process answers log after log, one JSON line each.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Role } from '../../src/index.js';
import { PYTHON, repoRoot, seedDir } from './seed-location.js';

/** One step of a log. Before it, the clock moves on by `advanceMs` (≥ 1). */
export type LogOp =
  | { readonly op: 'append'; readonly advanceMs: number; readonly id: string; readonly role: Role; readonly content: string }
  | { readonly op: 'get'; readonly advanceMs: number; readonly id: string };

/** A store configuration, a start time and the steps to replay from it. */
export interface OperationLog {
  readonly maxTurns: number;
  readonly ttlSeconds: number;
  readonly maxConversations: number;
  /** Wall-clock ms before the first step. */
  readonly startMs: number;
  readonly ops: readonly LogOp[];
}

/** What one `get` returned: `[role, content, ts in seconds]` per turn, oldest first. */
export type GetResult = Array<[string, string, number]>;

/** A running `driver.py`; `close()` it when done. */
export class SeedDriver {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<{ resolve: (gets: GetResult[]) => void; reject: (error: Error) => void }> = [];
  #stderr = '';
  #exited: Error | undefined;

  constructor() {
    const driver = join(repoRoot(), 'test', 'seed', 'driver.py');
    this.#child = spawn(PYTHON, [driver, seedDir()], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const waiter = this.#waiting.shift();
      if (!waiter) return;
      try {
        waiter.resolve((JSON.parse(line) as { gets: GetResult[] }).gets);
      } catch (error) {
        waiter.reject(new Error(`driver.py answered something that is not JSON: ${line.slice(0, 200)}`, { cause: error }));
      }
    });
    const fail = (error: Error): void => {
      this.#exited ??= error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited);
    };
    this.#child.on('error', fail);
    this.#child.on('exit', (code, signal) => fail(new Error(`driver.py exited (${signal ?? `code ${code}`}): ${this.#stderr.trim()}`)));
  }

  /** Replays one log through the seed and resolves with what each `get` returned. */
  replay(log: OperationLog): Promise<GetResult[]> {
    if (this.#exited) return Promise.reject(this.#exited);
    const line = JSON.stringify({
      options: { max_turns: log.maxTurns, ttl_seconds: log.ttlSeconds, max_conversations: log.maxConversations },
      start_ms: log.startMs,
      ops: log.ops.map((op) =>
        op.op === 'append'
          ? { op: op.op, advance_ms: op.advanceMs, id: op.id, role: op.role, content: op.content }
          : { op: op.op, advance_ms: op.advanceMs, id: op.id },
      ),
    });
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(`${line}\n`);
    });
  }

  /** Ends the Python process. */
  close(): void {
    this.#child.stdin.end();
  }
}
