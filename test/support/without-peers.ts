/**
 * Runs a script the way a project without turnstore's optional peers would: beside a copy of the
 * built package with no node_modules anywhere above it, so nothing but turnstore itself and Node's
 * built-ins can resolve.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A stand-in package: its name, and the source of its CommonJS `index.js` (e.g. one that throws). */
export interface FakePackage {
  readonly name: string;
  readonly source: string;
  /** Subpaths (`'./messages'`) that load the same `index.js`. */
  readonly subpaths?: readonly string[];
}

/**
 * Runs the ES module made of `lines` beside a fresh copy of the built package, checks it wrote
 * nothing to stderr and exited 0, and returns what it printed on stdout, parsed as JSON.
 * `fakes` are installed beside turnstore, in place of the real packages.
 */
export function runWithoutPeers(lines: readonly string[], fakes: readonly FakePackage[] = []): unknown {
  const place = mkdtempSync(join(tmpdir(), 'turnstore-no-peers-'));
  try {
    const packageDir = join(place, 'node_modules', 'turnstore');
    cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
    for (const fake of fakes) {
      const fakeDir = join(place, 'node_modules', fake.name);
      mkdirSync(fakeDir, { recursive: true });
      const exports = Object.fromEntries(['.', ...(fake.subpaths ?? [])].map((subpath) => [subpath, './index.js']));
      writeFileSync(join(fakeDir, 'package.json'), JSON.stringify({ name: fake.name, version: '1.0.0', main: 'index.js', exports }));
      writeFileSync(join(fakeDir, 'index.js'), fake.source);
    }
    writeFileSync(join(place, 'check.mjs'), lines.join('\n'));
    const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    return JSON.parse(result.stdout);
  } finally {
    rmSync(place, { recursive: true, force: true });
  }
}
