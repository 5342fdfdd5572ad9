/**
 * Maps conversation ids to slot numbers: an open-addressing hash table in two typed arrays, linear
 * probing, at most half full, deletion by backward shift (no tombstones).
 *
 * Why not a `Map`: at a million entries a V8 `Map` lookup of an absent key measured about 0.7 µs
 * here (several cache misses through its chained buckets), and creating a conversation at the cap
 * does three such lookups. This table finds or rules out an id in one or two cache misses, and
 * costs 16 bytes per conversation instead of the Map's 30 or so.
 *
 * Ids come from users, so the hash is seeded at random per table: nobody can precompute ids that
 * all land in one run of the table and make it slow.
 */
const MIN_SIZE = 8;

export class IdIndex {
  readonly #seed: number;
  #hashes = new Int32Array(0); // 0 marks an empty place
  #slots = new Int32Array(0);
  #mask = 0;

  constructor() {
    const seed = new Int32Array(1);
    globalThis.crypto.getRandomValues(seed);
    this.#seed = seed[0]!;
    this.reset();
  }

  /** The table's hash of an id: never 0, which marks empty places. */
  hash(id: string): number {
    let h = this.#seed;
    for (let i = 0; i < id.length; i++) {
      h = Math.imul(h ^ id.charCodeAt(i), 0x5bd1e995);
      h ^= h >>> 13; // carries high bits down, so ids differing only in high bits still spread
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    return h === 0 ? 1 : h;
  }

  /** The slot holding `id` (hashed as `hash`), or -1. `ids` gives the id of each slot. */
  find(id: string, hash: number, ids: readonly string[]): number {
    const hashes = this.#hashes;
    const mask = this.#mask;
    for (let place = hash & mask; ; place = (place + 1) & mask) {
      const found = hashes[place]!;
      if (found === 0) return -1;
      if (found === hash) {
        const slot = this.#slots[place]!;
        if (ids[slot] === id) return slot;
      }
    }
  }

  /** Records a new id's slot; the caller has made sure the id is absent and the table large enough. */
  insert(hash: number, slot: number): void {
    const hashes = this.#hashes;
    const mask = this.#mask;
    let place = hash & mask;
    while (hashes[place] !== 0) place = (place + 1) & mask;
    hashes[place] = hash;
    this.#slots[place] = slot;
  }

  /** Forgets a slot recorded under `hash`. */
  remove(hash: number, slot: number): void {
    const hashes = this.#hashes;
    const slots = this.#slots;
    const mask = this.#mask;
    let hole = hash & mask;
    while (hashes[hole] !== hash || slots[hole] !== slot) hole = (hole + 1) & mask;
    // Backward shift: pull later entries of the run into the hole when their home place allows,
    // so every entry stays reachable from its home without tombstones.
    for (let next = (hole + 1) & mask; hashes[next] !== 0; next = (next + 1) & mask) {
      const home = hashes[next]! & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        hashes[hole] = hashes[next]!;
        slots[hole] = slots[next]!;
        hole = next;
      }
    }
    hashes[hole] = 0;
  }

  /** Makes room for `entries` ids at most half full, keeping those recorded. */
  reserve(entries: number): void {
    let size = MIN_SIZE;
    while (size < entries * 2) size *= 2;
    if (size <= this.#hashes.length) return;
    const oldHashes = this.#hashes;
    const oldSlots = this.#slots;
    this.#hashes = new Int32Array(size);
    this.#slots = new Int32Array(size);
    this.#mask = size - 1;
    for (let place = 0; place < oldHashes.length; place++) {
      if (oldHashes[place] !== 0) this.insert(oldHashes[place]!, oldSlots[place]!);
    }
  }

  /** Forgets everything and gives the memory back. */
  reset(): void {
    this.#hashes = new Int32Array(MIN_SIZE);
    this.#slots = new Int32Array(MIN_SIZE);
    this.#mask = MIN_SIZE - 1;
  }
}
