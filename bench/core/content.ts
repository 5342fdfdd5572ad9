/** Turn content for the benchmark: reproducible, and every string a fresh, flat heap string. */
import { CONTENT_ALPHABET } from './parameters.js';

export { seededRandom } from '../run-support.js';

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
