// `npm run lint`: ESLint and a Prettier check over the tree; `npm run format` writes Prettier's layout.
// The tools live in tools/lint with a lock of their own, installed here on first use, so the
// product's install never carries them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tools = join(root, 'tools', 'lint');
const write = process.argv.includes('--write');

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const installed = join(tools, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(tools, 'package-lock.json')).mtimeMs) {
  console.log('lint: installing the lint tools into tools/lint (once)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], tools);
}
const bin = (name) => join(tools, 'node_modules', '.bin', name);
if (write) {
  run(bin('prettier'), ['--write', '--log-level=warn', '.']);
} else {
  run(bin('eslint'), ['-c', join(tools, 'eslint.config.mjs'), '.']);
  run(bin('prettier'), ['--check', '--log-level=warn', '.']);
  console.log('lint: eslint and prettier found nothing to change');
}
