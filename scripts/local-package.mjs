// Helpers for the repository's side packages with locks of their own (tools/lint, bench): each is
// installed on first use, and again when its lock is newer than its install, so the product's
// install never carries them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command with inherited output (and `env`, by default this process's); exits with its status if it fails. */
export function run(command, args, cwd, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd, env });
  if (result.error !== undefined) console.error(`${command}: could not be started: ${result.error.message}`);
  else if (result.signal !== null) console.error(`${command}: stopped by ${result.signal}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * `npm ci` in `dir` unless its node_modules is as new as its package-lock.json; `label` starts the
 * message; `env` is the install's environment (by default this process's).
 */
export function installOnFirstUse(dir, label, env = process.env) {
  const installed = join(dir, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(dir, 'package-lock.json')).mtimeMs) return;
  console.error(`${label}: installing the packages of ${dir} (once)`);
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], dir, env);
}
