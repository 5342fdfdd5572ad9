import { summaryTurn } from '../core/compaction.js';
import { turnWithExtras } from '../core/turn-extras.js';
import { ROLES, type Turn, type TurnExtras } from '../core/types.js';
import { IdIndex } from './id-index.js';

/** A conversation's summary (decision 16): its text, wall-clock ms when set, and UTF-8 bytes. */
export interface HeldSummary {
  readonly content: string;
  readonly time: number;
  readonly bytes: number;
}

/** Marks "no slot" in the recency list and the free list. */
export const NONE = -1;
/** Slots allocated at first; the tables then double as needed, up to the most slots allowed. */
const FIRST_CAPACITY = 16;

// A slot's facts lie side by side in one buffer, seen both as 32-bit integers and as doubles, so
// touching a cold slot costs a cache miss or two rather than one per fact. That is what keeps a
// store of a million conversations nearly as fast as one of five hundred.
const SLOT_DOUBLES = 6; // 48 bytes a slot
const SLOT_INTS = SLOT_DOUBLES * 2;
const NEWER = 0; // int: the next more recently used slot, or NONE
const OLDER = 1; // int: the next less recently used slot, or NONE; also links the free list
const RING_START = 2; // int: place of the oldest turn in the slot's ring
const RING_COUNT = 3; // int: turns held
const ID_HASH = 4; // int: the id's hash in the IdIndex
const EXTRAS_COUNT = 5; // int: turns of the slot that have extras, plus SUMMARY_FLAG when it has a summary; 0 takes the plain path
/** Set in a slot's EXTRAS_COUNT while it holds a summary: the one test a plain read makes covers it too. */
const SUMMARY_FLAG = 1 << 30;
const LAST_ACCESS = 3; // double: monotonic ms of the last touch
const TOUCH_ORDER = 4; // double: the table's touch counter at the last touch
const SLOT_BYTES = 5; // double: UTF-8 bytes held

// A turn's facts beside its content: 16 bytes.
const TURN_DOUBLES = 2;
const TURN_INTS = TURN_DOUBLES * 2;
const TURN_TIME = 0; // double: wall-clock ms when appended
const TURN_BYTES = 2; // int: UTF-8 bytes of the content plus extras (a V8 string's UTF-8 form is < 2 GiB)
const TURN_ROLE = 3; // int: index in ROLES, plus HAS_EXTRAS when the turn has extras
/** Set in a turn's TURN_ROLE when its extras are held in the table's extras map. */
const HAS_EXTRAS = 4;

/**
 * The data structure under {@link MemoryStore}: conversations in numbered slots, their turns in a
 * ring of `stride` places per slot, and one doubly linked list of slots in order of last touch.
 * Every operation is O(1) (copying turns out is O(turns)). It keeps no policy: what to evict and
 * when is the store's business.
 *
 * A turn costs its string plus 24 bytes (a pointer and 16 bytes of facts), and no object of its
 * own. A turn with extras (tool calls, attachments, metadata) also has an entry in a map beside
 * the rings, keyed by its place, holding its frozen extras; plain turns never touch that map, so
 * they cost what they cost before extras existed. A conversation costs 48 bytes, 8 to 16 in the id index, and its id string. Turns handed out
 * are fresh copies, made on every read: keeping frozen Turn objects instead would make `get` about
 * a third faster, but costs 64 bytes more per turn read (a 48-byte object and a 16-byte boxed
 * `ts`; Node's heap has 8-byte pointers), nearly doubling the memory of short turns.
 */
export class ConversationTable {
  readonly #stride: number;
  readonly #maxSlots: number;
  #capacity = 0;
  #slotInts = new Int32Array(0);
  #slotDoubles = new Float64Array(0);
  #turnInts = new Int32Array(0);
  #turnDoubles = new Float64Array(0);
  #contents: string[] = [];
  /** The frozen extras of the turns that have them, by turn place (slot * stride + ring place). */
  #extras = new Map<number, TurnExtras>();
  /** The summaries of the slots that have one (SUMMARY_FLAG set); other slots never touch the map. */
  #summaries = new Map<number, HeldSummary>();
  #ids: string[] = [];
  readonly #index = new IdIndex();
  // The last id looked up and its hash: appending to a new id looks it up, then creates it.
  #lookedUpId = '';
  #lookedUpHash = 0;
  #newest = NONE;
  #oldest = NONE;
  #freeSlot = NONE;
  #touches = 0;
  #live = 0;
  #turns = 0;
  #bytes = 0;

  /**
   * @param stride - turns kept per conversation (maxTurns).
   * @param maxSlots - most conversations at once (maxConversations); the tables grow up to it.
   */
  constructor(stride: number, maxSlots: number) {
    this.#stride = stride;
    this.#maxSlots = maxSlots;
  }

  /** Conversations held. */
  get live(): number {
    return this.#live;
  }
  /** Turns held. */
  get turns(): number {
    return this.#turns;
  }
  /** UTF-8 bytes held: content plus extras. */
  get bytes(): number {
    return this.#bytes;
  }
  /** Turns whose extras the table holds (for tests: it must equal the live turns that have extras). */
  get turnsWithExtras(): number {
    return this.#extras.size;
  }
  /** The most recently touched slot, or NONE. */
  get newest(): number {
    return this.#newest;
  }
  /** The least recently touched slot, or NONE. */
  get oldest(): number {
    return this.#oldest;
  }

  /** The slot of a conversation, or NONE. */
  slotOf(id: string): number {
    const hash = this.#index.hash(id);
    this.#lookedUpId = id;
    this.#lookedUpHash = hash;
    return this.#index.find(id, hash, this.#ids);
  }
  /** Whether a slot holds the conversation `id` (a freed slot holds ''). */
  holds(slot: number, id: string): boolean {
    return this.#ids[slot] === id;
  }
  /** The id held in a slot. */
  idOf(slot: number): string {
    return this.#ids[slot]!;
  }
  /** The next less recently touched slot, or NONE. */
  older(slot: number): number {
    return this.#slotInts[slot * SLOT_INTS + OLDER]!;
  }
  /** Monotonic ms of the slot's last touch. */
  lastAccess(slot: number): number {
    return this.#slotDoubles[slot * SLOT_DOUBLES + LAST_ACCESS]!;
  }
  /** The slot's place in touch order: larger is more recent, never repeated. */
  touchOrder(slot: number): number {
    return this.#slotDoubles[slot * SLOT_DOUBLES + TOUCH_ORDER]!;
  }
  /** Turns held in a slot. */
  turnCount(slot: number): number {
    return this.#slotInts[slot * SLOT_INTS + RING_COUNT]!;
  }

  /** Takes a free slot for a new, empty conversation; the caller keeps `live` under maxSlots. */
  create(id: string): number {
    if (this.#freeSlot === NONE) this.#grow();
    const slot = this.#freeSlot;
    const ints = this.#slotInts;
    const at = slot * SLOT_INTS;
    this.#freeSlot = ints[at + OLDER]!;
    ints[at + NEWER] = NONE;
    ints[at + OLDER] = NONE;
    ints[at + RING_START] = 0;
    ints[at + RING_COUNT] = 0;
    ints[at + EXTRAS_COUNT] = 0;
    this.#slotDoubles[slot * SLOT_DOUBLES + SLOT_BYTES] = 0;
    const hash = id === this.#lookedUpId ? this.#lookedUpHash : this.#index.hash(id);
    ints[at + ID_HASH] = hash;
    this.#index.insert(hash, slot);
    this.#ids[slot] = id;
    this.#live++;
    return slot;
  }

  /** Frees a slot and lets its strings be collected. */
  remove(slot: number): void {
    this.#unlink(slot);
    const ints = this.#slotInts;
    const at = slot * SLOT_INTS;
    this.#index.remove(ints[at + ID_HASH]!, slot);
    this.#ids[slot] = '';
    const stride = this.#stride;
    const base = slot * stride;
    const start = ints[at + RING_START]!;
    const count = ints[at + RING_COUNT]!;
    for (let k = 0; k < count; k++) {
      const place = start + k;
      const index = base + (place >= stride ? place - stride : place);
      this.#contents[index] = '';
      if (this.#turnInts[index * TURN_INTS + TURN_ROLE]! >= HAS_EXTRAS) this.#extras.delete(index);
    }
    this.#turns -= count;
    this.#bytes -= this.#slotDoubles[slot * SLOT_DOUBLES + SLOT_BYTES]!;
    this.#summaries.delete(slot);
    this.#live--;
    ints[at + OLDER] = this.#freeSlot;
    this.#freeSlot = slot;
  }

  /** Marks a slot as just used: newest in the list, last access `now`. */
  touch(slot: number, now: number): void {
    const doubles = this.#slotDoubles;
    doubles[slot * SLOT_DOUBLES + LAST_ACCESS] = now;
    doubles[slot * SLOT_DOUBLES + TOUCH_ORDER] = ++this.#touches;
    const newest = this.#newest;
    if (newest === slot) return;
    this.#unlink(slot);
    const ints = this.#slotInts;
    ints[slot * SLOT_INTS + NEWER] = NONE;
    ints[slot * SLOT_INTS + OLDER] = newest;
    if (newest !== NONE) ints[newest * SLOT_INTS + NEWER] = slot;
    this.#newest = slot;
    if (this.#oldest === NONE) this.#oldest = slot;
  }

  /**
   * Adds a turn to a slot's ring; a full ring gives up its oldest turn. `bytes` counts the content
   * and the extras; `extras`, when given, must be frozen (they are handed out as they are).
   */
  pushTurn(slot: number, role: number, content: string, bytes: number, time: number, extras?: TurnExtras): void {
    const ints = this.#slotInts;
    const at = slot * SLOT_INTS;
    const stride = this.#stride;
    const start = ints[at + RING_START]!;
    const count = ints[at + RING_COUNT]!;
    let index: number;
    if (count < stride) {
      const place = start + count;
      index = slot * stride + (place >= stride ? place - stride : place);
      ints[at + RING_COUNT] = count + 1;
      this.#turns++;
    } else {
      index = slot * stride + start;
      ints[at + RING_START] = start + 1 === stride ? 0 : start + 1;
      this.#addBytes(slot, -this.#turnInts[index * TURN_INTS + TURN_BYTES]!);
      if (this.#turnInts[index * TURN_INTS + TURN_ROLE]! >= HAS_EXTRAS) {
        this.#extras.delete(index);
        ints[at + EXTRAS_COUNT] = ints[at + EXTRAS_COUNT]! - 1;
      }
    }
    this.#contents[index] = content;
    this.#turnDoubles[index * TURN_DOUBLES + TURN_TIME] = time;
    this.#turnInts[index * TURN_INTS + TURN_BYTES] = bytes;
    if (extras === undefined) {
      this.#turnInts[index * TURN_INTS + TURN_ROLE] = role;
    } else {
      this.#turnInts[index * TURN_INTS + TURN_ROLE] = role + HAS_EXTRAS;
      this.#extras.set(index, extras);
      ints[at + EXTRAS_COUNT] = ints[at + EXTRAS_COUNT]! + 1;
    }
    this.#addBytes(slot, bytes);
  }

  /** Drops the oldest turn of a slot that holds at least one. */
  dropOldestTurn(slot: number): void {
    const ints = this.#slotInts;
    const at = slot * SLOT_INTS;
    const start = ints[at + RING_START]!;
    this.#forgetTurn(slot, slot * this.#stride + start);
    ints[at + RING_START] = start + 1 === this.#stride ? 0 : start + 1;
  }

  /** Drops the newest turn of a slot that holds at least one. */
  dropNewestTurn(slot: number): void {
    this.#forgetTurn(slot, this.#newestPlace(slot));
  }

  /** Takes the turn at a place off its slot's count and the totals; the caller moves the ring's start if it was the oldest. */
  #forgetTurn(slot: number, index: number): void {
    const ints = this.#slotInts;
    const at = slot * SLOT_INTS;
    this.#contents[index] = '';
    if (this.#turnInts[index * TURN_INTS + TURN_ROLE]! >= HAS_EXTRAS) {
      this.#extras.delete(index);
      ints[at + EXTRAS_COUNT] = ints[at + EXTRAS_COUNT]! - 1;
    }
    this.#addBytes(slot, -this.#turnInts[index * TURN_INTS + TURN_BYTES]!);
    ints[at + RING_COUNT] = ints[at + RING_COUNT]! - 1;
    this.#turns--;
  }

  /** The slot's summary, or `undefined`. */
  summaryOf(slot: number): HeldSummary | undefined {
    return (this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT]! & SUMMARY_FLAG) === 0 ? undefined : this.#summaries.get(slot);
  }

  /** Sets (or replaces) the slot's summary, counting its bytes in place of the old one's. */
  setSummary(slot: number, summary: HeldSummary): void {
    const old = this.summaryOf(slot);
    this.#addBytes(slot, summary.bytes - (old === undefined ? 0 : old.bytes));
    this.#summaries.set(slot, summary);
    this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT] = this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT]! | SUMMARY_FLAG;
  }

  /** Drops the slot's summary, if it has one. */
  dropSummary(slot: number): void {
    const old = this.summaryOf(slot);
    if (old === undefined) return;
    this.#addBytes(slot, -old.bytes);
    this.#summaries.delete(slot);
    this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT] = this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT]! & ~SUMMARY_FLAG;
  }

  /** A fresh copy of a slot's turn at `k` (0 is the oldest); `k` below its count. */
  copyTurnAt(slot: number, k: number): Turn {
    const stride = this.#stride;
    const place = this.#slotInts[slot * SLOT_INTS + RING_START]! + k;
    return this.#copyTurn(slot * stride + (place >= stride ? place - stride : place));
  }

  /** Fresh copies of a slot's turns, oldest first, after its summary when it has one. */
  copyTurns(slot: number): Turn[] {
    const stride = this.#stride;
    const base = slot * stride;
    const start = this.#slotInts[slot * SLOT_INTS + RING_START]!;
    const count = this.#slotInts[slot * SLOT_INTS + RING_COUNT]!;
    const contents = this.#contents;
    const ints = this.#turnInts;
    const doubles = this.#turnDoubles;
    const rich = this.#slotInts[slot * SLOT_INTS + EXTRAS_COUNT]!;
    if (rich !== 0)
      return rich >= SUMMARY_FLAG
        ? this.#copyWithSummary(slot, this.#summaries.get(slot)!)
        : this.#copyRichTurns(new Array(count), base, start);
    const turns: Turn[] = new Array(count);
    // A slot of plain turns only: the loop as it was before turns had extras, which keeps get as fast.
    for (let k = 0; k < count; k++) {
      const place = start + k;
      const index = base + (place >= stride ? place - stride : place);
      turns[k] = {
        role: ROLES[ints[index * TURN_INTS + TURN_ROLE]!]!,
        content: contents[index]!,
        ts: doubles[index * TURN_DOUBLES + TURN_TIME]! / 1000,
      };
    }
    return turns;
  }

  /** {@link copyTurns} for a slot that has a summary. */
  #copyWithSummary(slot: number, summary: HeldSummary): Turn[] {
    const count = this.turnCount(slot);
    const turns: Turn[] = new Array(count + 1);
    turns[0] = summaryTurn(summary.content, summary.time / 1000);
    for (let k = 0; k < count; k++) turns[k + 1] = this.copyTurnAt(slot, k);
    return turns;
  }

  /** {@link copyTurns} for a slot where some turns have extras. */
  #copyRichTurns(turns: Turn[], base: number, start: number): Turn[] {
    const stride = this.#stride;
    for (let k = 0; k < turns.length; k++) {
      const place = start + k;
      turns[k] = this.#copyTurn(base + (place >= stride ? place - stride : place));
    }
    return turns;
  }

  /** A fresh copy of the turn at a place (slot * stride + ring place). */
  #copyTurn(index: number): Turn {
    const role = this.#turnInts[index * TURN_INTS + TURN_ROLE]!;
    const content = this.#contents[index]!;
    const ts = this.#turnDoubles[index * TURN_DOUBLES + TURN_TIME]! / 1000;
    return role < HAS_EXTRAS
      ? { role: ROLES[role]!, content, ts }
      : turnWithExtras(ROLES[role - HAS_EXTRAS]!, content, ts, this.#extras.get(index)!);
  }

  /** The place of a slot's newest turn; the slot must hold at least one. */
  #newestPlace(slot: number): number {
    const ints = this.#slotInts;
    const stride = this.#stride;
    const place = ints[slot * SLOT_INTS + RING_START]! + ints[slot * SLOT_INTS + RING_COUNT]! - 1;
    return slot * stride + (place >= stride ? place - stride : place);
  }

  /** A fresh copy of a slot's newest turn; the slot must hold at least one. */
  copyNewestTurn(slot: number): Turn {
    return this.#copyTurn(this.#newestPlace(slot));
  }

  /** Empties the table and gives its memory back. */
  reset(): void {
    this.#capacity = 0;
    this.#slotInts = new Int32Array(0);
    this.#slotDoubles = new Float64Array(0);
    this.#turnInts = new Int32Array(0);
    this.#turnDoubles = new Float64Array(0);
    this.#contents = [];
    this.#extras = new Map();
    this.#summaries = new Map();
    this.#ids = [];
    this.#index.reset();
    this.#lookedUpId = '';
    this.#newest = NONE;
    this.#oldest = NONE;
    this.#freeSlot = NONE;
    this.#live = 0;
    this.#turns = 0;
    this.#bytes = 0;
  }

  #addBytes(slot: number, bytes: number): void {
    this.#slotDoubles[slot * SLOT_DOUBLES + SLOT_BYTES] = this.#slotDoubles[slot * SLOT_DOUBLES + SLOT_BYTES]! + bytes;
    this.#bytes += bytes;
  }

  #unlink(slot: number): void {
    const ints = this.#slotInts;
    const newer = ints[slot * SLOT_INTS + NEWER]!;
    const older = ints[slot * SLOT_INTS + OLDER]!;
    if (newer !== NONE) ints[newer * SLOT_INTS + OLDER] = older;
    else if (this.#newest === slot) this.#newest = older;
    if (older !== NONE) ints[older * SLOT_INTS + NEWER] = newer;
    else if (this.#oldest === slot) this.#oldest = newer;
  }

  /** Doubles the tables (up to maxSlots); the new slots join the free list. */
  #grow(): void {
    const from = this.#capacity;
    const to = Math.min(this.#maxSlots, Math.max(FIRST_CAPACITY, from * 2));
    const slotBuffer = new ArrayBuffer(to * SLOT_DOUBLES * 8);
    new Uint8Array(slotBuffer).set(new Uint8Array(this.#slotDoubles.buffer));
    const turnBuffer = new ArrayBuffer(to * this.#stride * TURN_DOUBLES * 8);
    new Uint8Array(turnBuffer).set(new Uint8Array(this.#turnDoubles.buffer));
    this.#slotInts = new Int32Array(slotBuffer);
    this.#slotDoubles = new Float64Array(slotBuffer);
    this.#turnInts = new Int32Array(turnBuffer);
    this.#turnDoubles = new Float64Array(turnBuffer);
    // Pushing keeps the arrays packed (no holes), which V8 stores most compactly.
    for (let i = from * this.#stride; i < to * this.#stride; i++) this.#contents.push('');
    for (let slot = from; slot < to; slot++) this.#ids.push('');
    for (let slot = to - 1; slot >= from; slot--) {
      this.#slotInts[slot * SLOT_INTS + OLDER] = this.#freeSlot;
      this.#freeSlot = slot;
    }
    this.#index.reserve(to);
    this.#capacity = to;
  }
}
