import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A temporary folder for one test file, removed when the file's tests end (pass or fail).
 * `file()` names a fresh file inside it, so each store gets a database of its own.
 */
export class TempDir {
  /** The folder's absolute path. */
  readonly path: string;
  #files = 0;

  constructor(prefix = 'turnstore-test-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  /** A path inside the folder that nothing uses yet; `name` makes it readable in failures. */
  file(name = 'store.db'): string {
    return join(this.path, `${++this.#files}-${name}`);
  }

  /** Removes the folder and everything in it. */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A {@link TempDir} removed by `node:test` once every test of the calling file has run. */
export function tempDirForThisFile(prefix?: string): TempDir {
  const dir = new TempDir(prefix);
  after(() => dir.remove());
  return dir;
}
