import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES, TurnstoreError, isTurnstoreError } from '../../src/index.js';

const errorsPage = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('TurnstoreError', () => {
  it('is an Error with a stable code, a name and the cause', () => {
    const cause = new Error('socket closed');
    const error = new TurnstoreError('TURNSTORE_BACKEND_UNAVAILABLE', 'Redis is down', { cause });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'TurnstoreError');
    assert.equal(error.code, 'TURNSTORE_BACKEND_UNAVAILABLE');
    assert.equal(error.cause, cause);
    assert.ok(isTurnstoreError(error));
    assert.ok(isTurnstoreError(error, 'TURNSTORE_BACKEND_UNAVAILABLE'));
    assert.ok(!isTurnstoreError(error, 'TURNSTORE_CLOSED'));
    assert.ok(!isTurnstoreError(new Error('x')));
  });

  it('has exactly the codes of the contract (SPEC §4), and PEER_LOAD_FAILED beside MISSING_PEER', () => {
    assert.deepEqual(Object.keys(ERROR_CODES).sort(), [
      'TURNSTORE_BACKEND_UNAVAILABLE',
      'TURNSTORE_CLOSED',
      'TURNSTORE_CONFLICT',
      'TURNSTORE_INVALID_ID',
      'TURNSTORE_INVALID_OPTION',
      'TURNSTORE_INVALID_TURN',
      'TURNSTORE_MISSING_PEER',
      'TURNSTORE_PEER_LOAD_FAILED',
      'TURNSTORE_TURN_TOO_LARGE',
    ]);
  });

  it('docs/errors.md documents every code and no other', () => {
    const documented = [...errorsPage.matchAll(/^\| `(TURNSTORE_[A-Z_]+)` \|/gm)].map((match) => match[1]).sort();
    assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
  });

  it('the codes raised in many places are built only by their factories in src/core/errors.ts', () => {
    const sourceRoot = new URL('../../../src/', import.meta.url).pathname;
    const files = readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      if (file === join('core', 'errors.ts')) continue;
      const source = readFileSync(join(sourceRoot, file), 'utf8');
      const pattern = /new TurnstoreError\(\s*'(TURNSTORE_(?:INVALID_OPTION|MISSING_PEER|PEER_LOAD_FAILED|CLOSED|BACKEND_UNAVAILABLE))'/g;
      for (const match of source.matchAll(pattern)) offenders.push(`${file}: ${match[1]}`);
    }
    assert.ok(files.length > 50, 'the sources were found');
    assert.deepEqual(offenders, []);
  });
});
