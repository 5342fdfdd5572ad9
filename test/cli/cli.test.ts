import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('package.json', `file://${root}`), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

describe('turnstore command', () => {
  it('is the package bin', () => {
    assert.equal(manifest.bin.turnstore, './dist/src/cli/main.js');
  });

  it('--version prints the package version', () => {
    const result = run('--version');
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim(), manifest.version);
  });

  it('--help prints usage and exits 0', () => {
    const result = run('--help');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Usage:/);
    assert.match(result.stdout, /turnstore serve/);
  });

  it('an unknown flag is a one-line error with exit code 2', () => {
    const result = run('--frobnicate');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown option '--frobnicate'/);
    assert.equal(result.stdout, '');
  });

  it('an unknown command exits 2', () => {
    const result = run('fly');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "fly"/);
  });
});
