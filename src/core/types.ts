/** The four speakers a turn can have. */
export type Role = 'user' | 'assistant' | 'system' | 'tool';

/** The roles, in the order backends encode them. */
export const ROLES: readonly Role[] = Object.freeze(['user', 'assistant', 'system', 'tool']);

/** One message of a conversation, as handed out by a store. */
export interface Turn {
  readonly role: Role;
  readonly content: string;
  /** Unix time in seconds (float, millisecond precision) when the turn was appended. */
  readonly ts: number;
}

/** A turn to append: the store adds `ts`. */
export interface TurnInput {
  readonly role: Role;
  readonly content: string;
}

/** Why a conversation was evicted: idle past its TTL, pushed out by the LRU cap, or by the byte budget. */
export type EvictionReason = 'ttl' | 'lru' | 'bytes';

/** Called once for each conversation a store evicts (never for `delete` or `clear`). */
export type EvictionListener = (id: string, reason: EvictionReason) => void;

/** Options of `list`. */
export interface ListOptions {
  /**
   * How many conversations at most.
   * @default 100
   */
  readonly limit?: number;
  /** The `cursor` of the previous page, to continue after it. */
  readonly cursor?: string;
}

/** One live conversation as `list` shows it. */
export interface ConversationSummary {
  readonly id: string;
  /** Its turns, oldest first, as `get` would return them. */
  readonly turns: Turn[];
  /** Unix time in seconds of the last `get` hit or append. */
  readonly lastAccess: number;
}

/** A page of `list`: most recently used first; `cursor` is present when more may follow. */
export interface ListPage {
  readonly items: ConversationSummary[];
  readonly cursor?: string;
}

/** What `stats` reports. */
export interface StoreStats {
  /** Live conversations. */
  readonly conversations: number;
  /** Turns held in live conversations. */
  readonly turns: number;
  /** UTF-8 bytes of the content held. */
  readonly bytes: number;
  /** Conversations evicted since the store was created, by reason. */
  readonly evictions: { readonly ttl: number; readonly lru: number; readonly bytes: number };
}

/**
 * The interface every turnstore backend implements (SPEC §3). All methods are async so code
 * moves between backends unchanged.
 */
export interface ConversationStore {
  /** The turns of a conversation, oldest first; `[]` for an unknown or expired id. A hit refreshes recency and TTL. */
  get(id: string): Promise<Turn[]>;
  /** Adds a turn, creating the conversation if absent (an expired one starts empty), then enforces the caps. */
  append(id: string, role: Role, content: string): Promise<void>;
  /** Adds several turns as one step, all or nothing. */
  appendMany(id: string, turns: readonly TurnInput[]): Promise<void>;
  /** Removes a conversation; whether a live one was removed. */
  delete(id: string): Promise<boolean>;
  /** Removes every conversation this store owns. */
  clear(): Promise<void>;
  /** How many live conversations there are. */
  size(): Promise<number>;
  /** Live conversations, most recently used first, without refreshing them. */
  list(options?: ListOptions): Promise<ListPage>;
  /** Counts of what is held and what was evicted. */
  stats(): Promise<StoreStats>;
  /** Releases timers and connections; later calls reject with `TURNSTORE_CLOSED`. Safe to call twice. */
  close(): Promise<void>;
}
