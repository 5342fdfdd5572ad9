// `npm run lint`: ESLint and a Prettier check over the tree; `npm run format` writes Prettier's layout.
// The tools live in tools/lint with a lock of their own, installed here on first use, so the
// product's install never carries them.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOnFirstUse, run as runIn } from './local-package.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tools = join(root, 'tools', 'lint');
const write = process.argv.includes('--write');

const run = (command, args) => runIn(command, args, root);

installOnFirstUse(tools, 'lint');
const bin = (name) => join(tools, 'node_modules', '.bin', name);
if (write) {
  run(bin('prettier'), ['--write', '--log-level=warn', '.']);
} else {
  run(bin('eslint'), ['-c', join(tools, 'eslint.config.mjs'), '.']);
  run(bin('prettier'), ['--check', '--log-level=warn', '.']);
  console.log('lint: eslint and prettier found nothing to change');
}
