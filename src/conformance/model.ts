/**
 * A reference model of a conversation store: the semantics of SPEC §1–§5 and the team's decisions
 * (docs), written to be obviously right rather than fast — plain arrays, linear scans, no
 * cleverness — so the property test can compare any store against it step by step.
 *
 * Time is passed into every call (milliseconds), so the model has no clock of its own.
 */
import type { TurnstoreErrorCode } from '../core/errors.js';
import type { ConversationSummary, EvictionReason, Role, Turn, TurnExtras, TurnInput } from '../core/types.js';
import { checkOptions, optionKeys } from '../core/options.js';
import { isDeepStrictEqual } from 'node:util';

/** The caps the model enforces. */
export interface ModelOptions {
  readonly maxTurns: number;
  /** 0 means never expire. */
  readonly ttlSeconds: number;
  readonly maxConversations: number;
  readonly maxTurnBytes: number;
  /** `Infinity` when the store under test does not enforce a byte budget. */
  readonly maxTotalBytes: number;
}

/**
 * A call the model refuses. `codes` lists every code a store may reject it with: when a batch has
 * several bad turns, which one a store reports first is not part of the contract.
 */
export class ModelRejection extends Error {
  /** The error codes a store may use. */
  readonly codes: readonly TurnstoreErrorCode[];

  constructor(codes: readonly TurnstoreErrorCode[]) {
    super(codes.join(' or '));
    this.codes = codes;
  }
}

interface Conversation {
  readonly id: string;
  turns: Turn[];
  /** The summary (decision 16) as `get` hands it out, or none. */
  summary: Turn | undefined;
  lastAccessMs: number;
}

const ROLES: readonly string[] = ['user', 'assistant', 'system', 'tool'];

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function copy(turns: readonly Turn[]): Turn[] {
  return turns.map((turn) => structuredClone(turn));
}

/** What `get` hands out for a conversation: the summary first, if any, then the turns. */
function visible(conversation: Conversation): Turn[] {
  return copy(conversation.summary === undefined ? conversation.turns : [conversation.summary, ...conversation.turns]);
}

/**
 * The extra fields of a turn as a store keeps them: in the order toolCalls, toolCallId,
 * attachments, metadata, each present only when set (an empty list or object is none).
 */
export function storedExtras(turn: TurnInput): TurnExtras {
  const extras: { -readonly [K in keyof TurnExtras]: TurnExtras[K] } = {};
  if (turn.toolCalls !== undefined && turn.toolCalls.length > 0)
    extras.toolCalls = turn.toolCalls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args }));
  if (turn.toolCallId !== undefined) extras.toolCallId = turn.toolCallId;
  if (turn.attachments !== undefined && turn.attachments.length > 0)
    extras.attachments = turn.attachments.map(({ mediaType, url }) => ({ mediaType, url }));
  if (turn.metadata !== undefined && Object.keys(turn.metadata).length > 0) extras.metadata = structuredClone(turn.metadata);
  return extras;
}

/**
 * The UTF-8 bytes a turn counts against the byte limits (the documented rule): its content plus
 * the JSON text of its extra fields as stored, or the content alone for a plain turn.
 */
export function turnBytes(turn: TurnInput): number {
  const extras = storedExtras(turn);
  const content = utf8Bytes(turn.content);
  return Object.keys(extras).length === 0 ? content : content + utf8Bytes(JSON.stringify(extras));
}

/**
 * Whether the model refuses a turn's extra fields. The model only knows the shapes the property
 * test generates (the conformance suite checks every other bad shape): tool calls outside
 * assistant turns, a call id outside tool turns, and two calls of one turn with the same id.
 */
function badExtras(turn: TurnInput): boolean {
  if (turn.toolCalls !== undefined && turn.toolCalls.length > 0) {
    if (turn.role !== 'assistant') return true;
    if (new Set(turn.toolCalls.map((call) => call.id)).size !== turn.toolCalls.length) return true;
  }
  return turn.toolCallId !== undefined && turn.role !== 'tool';
}

const MODEL_OPTION_KEYS = optionKeys<ModelOptions>({
  maxTurns: true,
  ttlSeconds: true,
  maxConversations: true,
  maxTurnBytes: true,
  maxTotalBytes: true,
});

/** The reference model. Each method mirrors the store method of the same name, taking `nowMs`. */
export class ReferenceModel {
  /** Evictions so far, by reason, as `stats().evictions` must report them. */
  readonly evictions = { ttl: 0, lru: 0, bytes: 0 };
  /** Every eviction so far, in order, as `onEvict` must have been called. */
  readonly evicted: Array<[string, EvictionReason]> = [];
  readonly #options: ModelOptions;
  /** Live conversations, least recently used first: the array order is the recency order. */
  #conversations: Conversation[] = [];

  constructor(options: ModelOptions) {
    checkOptions(options, { owner: 'ReferenceModel', known: MODEL_OPTION_KEYS });
    this.#options = options;
  }

  /** `get`: the turns, touching a hit; an unknown id stays unknown. */
  get(id: string, nowMs: number): Turn[] {
    this.#forgetExpired(nowMs);
    const conversation = this.#find(id);
    if (conversation === undefined) return [];
    this.#touch(conversation, nowMs);
    return visible(conversation);
  }

  /**
   * `append` and `appendMany` alike: validate all, then remove the newest `replaceNewest` turns,
   * store all with one `ts`, then enforce the caps. Removing turns with nothing to append is `pop`'s
   * work; an empty batch with nothing to remove changes nothing.
   */
  append(id: string, turns: readonly TurnInput[], nowMs: number, replaceNewest: unknown = 0): void {
    const codes = new Set<TurnstoreErrorCode>();
    if (typeof replaceNewest !== 'number' || !Number.isSafeInteger(replaceNewest) || replaceNewest < 0) {
      codes.add('TURNSTORE_INVALID_OPTION');
    }
    for (const turn of turns) {
      if (!ROLES.includes(turn.role) || typeof turn.content !== 'string' || !turn.content.isWellFormed()) {
        codes.add('TURNSTORE_INVALID_TURN');
      } else if (badExtras(turn)) {
        // Bad extras and content too large on its own: which a store reports first is its business.
        codes.add('TURNSTORE_INVALID_TURN');
        if (utf8Bytes(turn.content) > this.#options.maxTurnBytes) codes.add('TURNSTORE_TURN_TOO_LARGE');
      } else if (turnBytes(turn) > this.#options.maxTurnBytes) {
        codes.add('TURNSTORE_TURN_TOO_LARGE');
      }
    }
    if (codes.size > 0) throw new ModelRejection([...codes]);
    const replace = replaceNewest as number;
    if (turns.length === 0) {
      // The team's decision: a no-op that refreshes nothing, unless it removes turns.
      if (replace > 0) this.#removeNewest(id, replace, nowMs);
      return;
    }
    this.#forgetExpired(nowMs);
    let conversation = this.#find(id);
    if (conversation === undefined) {
      conversation = { id, turns: [], summary: undefined, lastAccessMs: nowMs };
      this.#conversations.push(conversation);
    }
    if (replace > 0) conversation.turns = conversation.turns.slice(0, Math.max(0, conversation.turns.length - replace));
    for (const turn of turns)
      conversation.turns.push({ role: turn.role as Role, content: turn.content, ts: nowMs / 1000, ...storedExtras(turn) });
    conversation.turns = conversation.turns.slice(-this.#options.maxTurns);
    this.#touch(conversation, nowMs);
    while (this.#conversations.length > this.#options.maxConversations) {
      this.#evict(this.#leastRecentOtherThan(conversation), 'lru');
    }
    this.#enforceByteBudget(conversation);
  }

  /**
   * `compact`: `seen` is what `get` returned, `through` an index into it. Refused as the store must:
   * a summary too large, `through` missing or the summary; a conflict unless the conversation still
   * begins with exactly `seen[0..through]`. Then the summary replaces the old one and those turns.
   */
  compact(id: string, summary: string, seen: readonly Turn[], through: number, nowMs: number): void {
    const codes = new Set<TurnstoreErrorCode>();
    if (utf8Bytes(summary) > this.#options.maxTurnBytes) codes.add('TURNSTORE_TURN_TOO_LARGE');
    if (seen[through] === undefined || seen[through].summary === true) codes.add('TURNSTORE_INVALID_OPTION');
    if (codes.size > 0) throw new ModelRejection([...codes]);
    this.#forgetExpired(nowMs);
    const conversation = this.#find(id);
    const prefix = seen.slice(0, through + 1);
    if (conversation === undefined || !isDeepStrictEqual(visible(conversation).slice(0, prefix.length), prefix)) {
      throw new ModelRejection(['TURNSTORE_CONFLICT']);
    }
    const removed = prefix.filter((turn) => turn.summary !== true).length;
    conversation.turns = conversation.turns.slice(removed);
    conversation.summary = { role: 'system', content: summary, ts: nowMs / 1000, summary: true };
    this.#touch(conversation, nowMs);
    this.#enforceByteBudget(conversation);
  }

  /**
   * Evicts least recently used others while over the byte budget; then the written conversation
   * loses its oldest turns, then its summary, never its newest turn.
   */
  #enforceByteBudget(conversation: Conversation): void {
    while (this.#totalBytes() > this.#options.maxTotalBytes && this.#conversations.length > 1) {
      this.#evict(this.#leastRecentOtherThan(conversation), 'bytes');
    }
    while (this.#totalBytes() > this.#options.maxTotalBytes && conversation.turns.length > 1) conversation.turns.shift();
    if (this.#totalBytes() > this.#options.maxTotalBytes) conversation.summary = undefined;
  }

  /** `pop`: the newest turn of a live conversation, removed; `undefined` for an unknown one. */
  pop(id: string, nowMs: number): Turn | undefined {
    return this.#removeNewest(id, 1, nowMs);
  }

  /**
   * Removes the newest `count` turns of a live conversation and returns the newest of them. A write:
   * it touches the conversation, and one left with no turn is gone, as if deleted (not an eviction).
   */
  #removeNewest(id: string, count: number, nowMs: number): Turn | undefined {
    this.#forgetExpired(nowMs);
    const conversation = this.#find(id);
    // A summary is not a turn: a conversation holding only one has nothing to remove.
    if (conversation === undefined || conversation.turns.length === 0) return undefined;
    const newest = structuredClone(conversation.turns[conversation.turns.length - 1]!);
    conversation.turns = conversation.turns.slice(0, Math.max(0, conversation.turns.length - count));
    if (conversation.turns.length === 0 && conversation.summary === undefined)
      this.#conversations = this.#conversations.filter((other) => other !== conversation);
    else this.#touch(conversation, nowMs);
    return newest;
  }

  /** `delete`: whether a live conversation was removed. */
  delete(id: string, nowMs: number): boolean {
    this.#forgetExpired(nowMs);
    const before = this.#conversations.length;
    this.#conversations = this.#conversations.filter((conversation) => conversation.id !== id);
    return this.#conversations.length < before;
  }

  /**
   * `clear`: conversations already expired count as TTL evictions first, as at any other call —
   * otherwise the count would depend on whether a background sweep happened to run before.
   */
  clear(nowMs: number): void {
    this.#forgetExpired(nowMs);
    this.#conversations = [];
  }

  /** `size`: live conversations. */
  size(nowMs: number): number {
    this.#forgetExpired(nowMs);
    return this.#conversations.length;
  }

  /** The full listing `list` pages through: most recently used first. */
  list(nowMs: number): ConversationSummary[] {
    this.#forgetExpired(nowMs);
    return [...this.#conversations].reverse().map((conversation) => ({
      id: conversation.id,
      turns: visible(conversation),
      lastAccess: conversation.lastAccessMs / 1000,
    }));
  }

  /** `stats`. */
  stats(nowMs: number): { conversations: number; turns: number; bytes: number; evictions: { ttl: number; lru: number; bytes: number } } {
    this.#forgetExpired(nowMs);
    return {
      conversations: this.#conversations.length,
      turns: this.#conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0),
      bytes: this.#totalBytes(),
      evictions: { ...this.evictions },
    };
  }

  #find(id: string): Conversation | undefined {
    return this.#conversations.find((conversation) => conversation.id === id);
  }

  /** Moves a conversation to the most recent end and restarts its TTL. */
  #touch(conversation: Conversation, nowMs: number): void {
    this.#conversations = this.#conversations.filter((other) => other !== conversation);
    this.#conversations.push(conversation);
    conversation.lastAccessMs = nowMs;
  }

  #leastRecentOtherThan(conversation: Conversation): Conversation {
    const other = this.#conversations.find((candidate) => candidate !== conversation);
    if (other === undefined) throw new Error('model: no other conversation to evict');
    return other;
  }

  #evict(conversation: Conversation, reason: EvictionReason): void {
    this.#conversations = this.#conversations.filter((other) => other !== conversation);
    this.evictions[reason]++;
    this.evicted.push([conversation.id, reason]);
  }

  /** Expired: idle strictly longer than the TTL. Scanned oldest first, so evictions log in that order. */
  #forgetExpired(nowMs: number): void {
    if (this.#options.ttlSeconds === 0) return;
    for (const conversation of [...this.#conversations]) {
      if (nowMs - conversation.lastAccessMs > this.#options.ttlSeconds * 1000) this.#evict(conversation, 'ttl');
    }
  }

  #totalBytes(): number {
    let total = 0;
    for (const conversation of this.#conversations) {
      for (const turn of conversation.turns) total += turnBytes(turn);
      if (conversation.summary !== undefined) total += utf8Bytes(conversation.summary.content);
    }
    return total;
  }
}
