// `npm run bench…`: the benchmarks are a package of their own (bench/package.json with a lock of its
// own: LangChain's stores, autocannon, lru-cache…), installed here on first use, so the product's
// install never carries them. bench/tsconfig.json compiles bench/ (and the product sources it
// imports) into bench/dist, where Node finds bench/node_modules first and the product's drivers in
// the repository's node_modules above it; then the named script runs.
//
// Usage: node scripts/bench.mjs [node flags…] <script, relative to bench/> [arguments…]
//   e.g. node scripts/bench.mjs --expose-gc core/main.js
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOnFirstUse, run } from './local-package.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bench = join(root, 'bench');

const args = process.argv.slice(2);
const at = args.findIndex((arg) => !arg.startsWith('-'));
if (at === -1) {
  console.error('Usage: node scripts/bench.mjs [node flags…] <script, relative to bench/, e.g. core/main.js> [arguments…]');
  process.exit(2);
}
const nodeFlags = args.slice(0, at);
const script = join(bench, 'dist', 'bench', args[at]);
const scriptArgs = args.slice(at + 1);

installOnFirstUse(bench, 'bench');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', bench], root);
if (!existsSync(script)) {
  console.error(`bench: no ${script} (the script is named relative to bench/, as core/main.js)`);
  process.exit(2);
}

const child = spawn(process.execPath, [...nodeFlags, script, ...scriptArgs], { stdio: 'inherit', cwd: root });
// Ctrl-C reaches the benchmark from the terminal (same process group); a SIGTERM sent to this
// process alone is passed on, so no benchmark (or server it started) is left running.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
