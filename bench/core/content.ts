/** Turn content for the benchmark: reproducible, and every string a fresh, flat heap string. */
import { CONTENT_ALPHABET } from './parameters.js';

/** mulberry32: a tiny seeded PRNG, so every store is given the same characters. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const scratch = Buffer.alloc(4096);

/**
 * A new string of `length` random characters. Decoding bytes makes V8 allocate one sequential
 * one-byte string: not a cons-string of concatenations nor a slice of a larger string, which
 * would make it look cheaper or dearer than the string a request body yields.
 */
export function freshString(random: () => number, length: number): string {
  for (let i = 0; i < length; i++) scratch[i] = CONTENT_ALPHABET.charCodeAt(Math.floor(random() * CONTENT_ALPHABET.length));
  return scratch.toString('latin1', 0, length);
}
