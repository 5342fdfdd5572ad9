// Runs every compiled test file (dist/test/**/*.test.js) with Node's own test runner.
// Listing the files here, rather than passing a folder, keeps helper modules out of the run.
// Extra arguments are handed to `node --test` (e.g. --test-name-pattern=...); bare paths or
// words narrow the run to test files whose path contains them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preparePeerProjects } from './peer-projects.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const testRoot = join(root, 'dist', 'test');

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const args = process.argv.slice(2);
const flags = args.filter((arg) => arg.startsWith('-'));
const filters = args.filter((arg) => !arg.startsWith('-')).map((f) => f.replace(/\.ts$/, ''));
const files = findTests(testRoot)
  .filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f.replace(/^test\//, ''))))
  .sort();
if (files.length === 0) {
  console.error(
    `run-tests: no test files found under ${relative(root, testRoot)}${filters.length ? ` matching ${filters.join(', ')}` : ''}`,
  );
  process.exit(1);
}
for (const line of preparePeerProjects(root)) console.error(`run-tests: peer project ${line}`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
