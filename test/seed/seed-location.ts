/**
 * Where the Python seed (the `memory.py` turnstore started from) and `python3` are found, for the
 * seed replay test and the core benchmark. The seed is read at run time, never copied into the
 * repository: by default from `../shared/seed/` beside the repository, or from the folder named by
 * `TURNSTORE_SEED_DIR`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file whose package.json is turnstore's. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'turnstore') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No turnstore package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The folder holding the seed's `memory.py`: `TURNSTORE_SEED_DIR`, else `<repo>/../shared/seed`. */
export function seedDir(): string {
  const fromEnv = process.env.TURNSTORE_SEED_DIR;
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot(), '..', 'shared', 'seed');
}

/** The Python interpreter to run the seed with. */
export const PYTHON = 'python3';

/**
 * Why the seed cannot be run here (no `memory.py`, no `python3`), or `undefined` when it can.
 * The message says what to do about it.
 */
export function seedUnavailable(): string | undefined {
  const seedFile = join(seedDir(), 'memory.py');
  if (!existsSync(seedFile)) {
    return `the Python seed is missing: no ${seedFile} (set TURNSTORE_SEED_DIR to the folder holding memory.py)`;
  }
  const probe = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `${PYTHON} cannot be run (${probe.error?.message ?? `exit status ${probe.status}`}); install Python 3 to compare with the seed`;
  }
  return undefined;
}
