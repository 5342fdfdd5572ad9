import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnstoreError } from '../../src/core/errors.js';
import { checkExtrasFit } from '../../src/core/turn-extras.js';
import { MemoryStore, type TurnExtras } from '../../src/index.js';

/**
 * Metadata of `levels` objects, each holding the next one twice (under `a` and `b`): `levels`
 * objects in memory, but 2^levels leaves as JSON. Every property read is counted in `reads`.
 */
function sharedTree(levels: number, reads: { count: number }): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let level = 0; level < levels; level++) {
    const child = node;
    node = {};
    for (const key of ['a', 'b']) {
      Object.defineProperty(node, key, {
        enumerable: true,
        get: () => {
          reads.count++;
          return child;
        },
      });
    }
  }
  return node;
}

describe('checkExtrasFit', () => {
  it('stops reading metadata once it cannot fit: shared objects do not make the check exponential', () => {
    const reads = { count: 0 };
    const maxTurnBytes = 1000;
    assert.throws(
      () => checkExtrasFit('user', { metadata: sharedTree(16, reads) }, 2, maxTurnBytes),
      (error: unknown) =>
        error instanceof TurnstoreError && error.code === 'TURNSTORE_TURN_TOO_LARGE' && error.message.includes('maxTurnBytes'),
    );
    // Every property read puts at least one byte of JSON in the text, so no more reads than bytes allowed.
    assert.ok(reads.count <= maxTurnBytes, `read ${reads.count} properties for a budget of ${maxTurnBytes} bytes`);
  });

  it('still takes shared objects that fit, copying each place they appear', () => {
    const reads = { count: 0 };
    const extras = checkExtrasFit('user', { metadata: sharedTree(3, reads) }, 0, 1000);
    const leaf = {};
    const two = { a: leaf, b: leaf };
    const three = { a: two, b: two };
    assert.deepEqual(extras?.value.metadata, { a: three, b: three });
    assert.equal(extras?.json, JSON.stringify({ metadata: { a: three, b: three } }));
  });
});

describe('MemoryStore and shared metadata', () => {
  it('refuses 31 levels of shared metadata at once as too large, storing nothing', async () => {
    const store = new MemoryStore();
    let node: Record<string, unknown> = {};
    for (let level = 0; level < 31; level++) node = { a: node, b: node };
    const started = performance.now();
    await assert.rejects(store.append('a', 'user', 'x', { metadata: node as TurnExtras['metadata'] }), {
      code: 'TURNSTORE_TURN_TOO_LARGE',
    });
    assert.ok(performance.now() - started < 5000, 'refused in well under the time 2^31 leaves would take');
    assert.deepEqual(await store.get('a'), []);
    await store.close();
  });
});
