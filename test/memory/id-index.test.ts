import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IdIndex } from '../../src/memory/id-index.js';

/**
 * The id index against a Map: random inserts, removes and lookups over a small id pool, in a
 * table kept small so that probe runs wrap and backward-shift deletion is exercised often.
 */
describe('IdIndex', () => {
  it('finds exactly what a Map would, through any sequence of inserts and removes', () => {
    const pool = ['a', 'b', 'c', '__proto__', 'constructor', '', 'a:b', '😀', 'x'.repeat(256), 'é', 'ab', 'ba'];
    const operation = fc.record({ insert: fc.boolean(), id: fc.constantFrom(...pool) });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const index = new IdIndex();
        index.reserve(pool.length);
        const ids: string[] = [];
        const model = new Map<string, number>();
        for (const { insert, id } of operations) {
          const hash = index.hash(id);
          assert.notEqual(hash, 0);
          assert.equal(hash, index.hash(id), 'the hash is stable');
          const found = index.find(id, hash, ids);
          assert.equal(found, model.get(id) ?? -1);
          if (insert && found === -1) {
            const slot = ids.length;
            ids.push(id);
            index.insert(hash, slot);
            model.set(id, slot);
          } else if (!insert && found !== -1) {
            index.remove(hash, found);
            ids[found] = '\u0000removed';
            model.delete(id);
          }
          for (const other of pool) assert.equal(index.find(other, index.hash(other), ids), model.get(other) ?? -1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its entries when it grows', () => {
    const index = new IdIndex();
    const ids = Array.from({ length: 5000 }, (_, i) => `conversation-${i}`);
    ids.forEach((id, slot) => {
      index.reserve(slot + 1);
      index.insert(index.hash(id), slot);
    });
    ids.forEach((id, slot) => assert.equal(index.find(id, index.hash(id), ids), slot));
    assert.equal(index.find('absent', index.hash('absent'), ids), -1);
  });

  it('seeds its hash per table, so colliding ids cannot be precomputed', () => {
    const first = new IdIndex();
    const second = new IdIndex();
    const ids = Array.from({ length: 8 }, (_, i) => `id-${i}`);
    assert.notDeepEqual(
      ids.map((id) => first.hash(id)),
      ids.map((id) => second.hash(id)),
    );
  });
});
