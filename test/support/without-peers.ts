/**
 * Runs a script the way a project without turnstore's optional peers would: beside a copy of the
 * built package with no node_modules anywhere above it, so nothing but turnstore itself and Node's
 * built-ins can resolve.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs the ES module made of `lines` beside a fresh copy of the built package, checks it wrote
 * nothing to stderr and exited 0, and returns what it printed on stdout, parsed as JSON.
 */
export function runWithoutPeers(lines: readonly string[]): unknown {
  const place = mkdtempSync(join(tmpdir(), 'turnstore-no-peers-'));
  try {
    const packageDir = join(place, 'node_modules', 'turnstore');
    cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
    writeFileSync(join(place, 'check.mjs'), lines.join('\n'));
    const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    return JSON.parse(result.stdout);
  } finally {
    rmSync(place, { recursive: true, force: true });
  }
}
