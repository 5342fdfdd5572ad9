import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EXTRA_FIELDS } from '../../src/core/turn-extras.js';
import { HTTP_ERROR_CODES, STORE_CODE_STATUS } from '../../src/server/index.js';

const errorsPage = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md, HTTP service section', () => {
  it('lists every code a client can see, each with the status the service answers it with, and no other', () => {
    const section = errorsPage.slice(errorsPage.indexOf('## HTTP service'));
    assert.ok(section.startsWith('## HTTP service'), 'the section exists');
    const documented = [...section.matchAll(/^\| (\d{3}) \| `(TURNSTORE_[A-Z_]+)` \|/gm)].map((match) => `${match[2]} ${match[1]}`).sort();
    const expected = [
      ...Object.entries(HTTP_ERROR_CODES).map(([code, { status }]) => `${code} ${status}`),
      // A peer missing or failing to load stops the service from starting; it is never an answer.
      // Nor is a conflict: no route compacts (decision 16).
      ...Object.entries(STORE_CODE_STATUS)
        .filter(([code]) => code !== 'TURNSTORE_MISSING_PEER' && code !== 'TURNSTORE_PEER_LOAD_FAILED' && code !== 'TURNSTORE_CONFLICT')
        .map(([code, status]) => `${code} ${status}`),
    ].sort();
    assert.deepEqual(documented, expected);
  });

  it('says that a turn body may carry every extra field, and that they count against maxTurnBytes', () => {
    const section = errorsPage.slice(errorsPage.indexOf('## HTTP service'));
    const row = (code: string) => section.split('\n').find((line) => line.includes(`| \`${code}\` |`)) ?? '';
    for (const field of EXTRA_FIELDS) {
      assert.ok(row('TURNSTORE_INVALID_TURN').includes(`\`${field}\``), `the TURNSTORE_INVALID_TURN row names ${field}`);
      assert.ok(row('TURNSTORE_TURN_TOO_LARGE').includes(`\`${field}\``), `the TURNSTORE_TURN_TOO_LARGE row names ${field}`);
    }
  });
});
