/**
 * Builds the MemoryStore of an earlier commit, so the core benchmark can measure it beside today's
 * in the same run (a change is judged against the code it changed, not against figures from
 * another day on a noisy machine). The commit's `src/` is taken with `git archive` into
 * .bench-cache/ (inside the repository, so type look-ups resolve against this checkout's
 * node_modules; not under node_modules itself, where TypeScript emits nothing) and compiled with
 * this checkout's TypeScript, from `src/index.ts` only: the dependency-free core and memory store.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the built entry point is, or why there is none. */
export type PreviousBuild = { readonly entry: string } | { readonly error: string };

/** Builds (or reuses) `commit`'s `dist/src/index.js`; `root` is this checkout. */
export function buildPreviousMemoryStore(root: string, commit: string): PreviousBuild {
  const dir = join(root, '.bench-cache', commit);
  const entry = join(dir, 'dist', 'src', 'index.js');
  if (existsSync(entry)) return { entry };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', commit, 'src'], { cwd: root, maxBuffer: 256 * 2 ** 20 });
  if (archive.status !== 0)
    return {
      error: `git archive ${commit} failed: ${archive.stderr.toString().trim() || `status ${archive.status}`} (a shallow clone lacks it)`,
    };
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) return { error: `tar failed: ${untar.stderr.toString().trim()}` };
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2024'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        rootDir: '.',
        outDir: 'dist',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: ['src/index.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (tsc.status !== 0 || !existsSync(entry))
    return { error: `building ${commit} failed: ${(tsc.stdout + tsc.stderr).trim().slice(0, 500)}` };
  return { entry };
}
