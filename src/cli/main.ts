#!/usr/bin/env node
/**
 * The `turnstore` command. `serve` (the HTTP service) arrives with the service; `--help` and
 * `--version` work now. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `turnstore — conversation memory for chatbots

Usage:
  turnstore serve [options]   run the HTTP service (in-memory store on 127.0.0.1:8080 by default)
  turnstore --help            show this help
  turnstore --version         show the version

Library use: import { MemoryStore } from 'turnstore' — see the README.
`;

/** The package version, read from package.json beside dist/. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the command line; returns the exit code. */
export function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`turnstore: ${(error as Error).message}\nRun "turnstore --help" for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [command] = positionals;
  if (command === 'serve') {
    process.stderr.write('turnstore: the HTTP service is not part of this version yet; use the library API (see the README).\n');
    return 1;
  }
  process.stderr.write(`turnstore: unknown command "${command}".\nRun "turnstore --help" for usage.\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
