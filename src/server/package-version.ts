import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** turnstore's version, read once from the package.json above dist/. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
