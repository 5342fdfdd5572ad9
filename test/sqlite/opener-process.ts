import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD_SCRIPT = fileURLToPath(new URL('./children/opener.js', import.meta.url));

/** How an opener child ended. */
export interface OpenerExit {
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Starts `count` children running children/opener.js on `path`, waits until each has loaded, then
 * tells them all to open the file at once, and returns how each ended.
 */
export async function spawnOpeners(path: string, count: number): Promise<OpenerExit[]> {
  const children = Array.from({ length: count }, (_, worker) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, path, String(worker)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === 'ready') resolve();
      });
      // A child that dies before it is ready must not leave the test waiting.
      void exited.then(() => resolve());
    });
    return { child, ready, exited };
  });
  await Promise.all(children.map((entry) => entry.ready));
  for (const { child } of children) child.stdin.end('go\n');
  return Promise.all(children.map((entry) => entry.exited));
}
