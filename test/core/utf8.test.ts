import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { countUtf8Bytes, utf8ByteLength } from '../../src/core/utf8.js';

describe('UTF-8 byte length', () => {
  it('counts 1, 2, 3 and 4-byte characters', () => {
    assert.equal(utf8ByteLength(''), 0);
    assert.equal(utf8ByteLength('a'), 1);
    assert.equal(utf8ByteLength('é'), 2);
    assert.equal(utf8ByteLength('€'), 3);
    assert.equal(utf8ByteLength('😀'), 4);
    assert.equal(countUtf8Bytes('aé€😀'), 10);
  });

  it('refuses lone surrogates with -1', () => {
    assert.equal(utf8ByteLength('\uD800'), -1);
    assert.equal(utf8ByteLength('a\uDC00b'), -1);
    assert.equal(utf8ByteLength('\uDE00\uD83D'), -1);
  });

  it('the JavaScript counter agrees with the encoder on any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 50 }), (text, other) => {
        for (const sample of [text, other]) {
          assert.equal(countUtf8Bytes(sample), new TextEncoder().encode(sample).length);
          assert.equal(utf8ByteLength(sample), new TextEncoder().encode(sample).length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
