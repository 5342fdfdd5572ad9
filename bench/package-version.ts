/**
 * The version of a package as the benchmarks load it. Node looks for a package in the
 * node_modules folders above the importing file, nearest first: bench/node_modules (the
 * benchmarks' own packages, bench/package.json) before the repository's (the product's drivers).
 * This reads the package.json the same search finds from here, so a recorded version is the one measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `name` may be a nested path such as `@langchain/redis/node_modules/redis`. */
export function packageVersion(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${name} is not installed above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
