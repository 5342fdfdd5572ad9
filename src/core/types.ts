/** The four speakers a turn can have. */
export type Role = 'user' | 'assistant' | 'system' | 'tool';

/** The roles, in the order backends encode them. */
export const ROLES: readonly Role[] = Object.freeze(['user', 'assistant', 'system', 'tool']);

/** A JSON value, as `metadata` holds: no `undefined`, functions, symbols, non-finite numbers or class instances. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One tool call an assistant turn makes. */
export interface ToolCall {
  /** The call's id (1 to 256 UTF-16 code units), which the `tool` turn answering it names in `toolCallId`. */
  readonly id: string;
  /** The tool's name (1 to 256 UTF-16 code units). */
  readonly name: string;
  /** The arguments as the JSON text the model produced, kept verbatim (it may not even parse). */
  readonly arguments: string;
}

/** A file a turn carries: an image, audio, a PDF… */
export interface Attachment {
  /** The media type, `type/subtype` (`image/png`, `application/pdf`), without parameters. */
  readonly mediaType: string;
  /** An `http:`, `https:` or `data:` URL. A data: URL's bytes count against the byte limits. */
  readonly url: string;
}

/**
 * What a turn may carry beside its role and content. A field that is absent, `undefined`, an empty
 * list or an empty `metadata` object is the same as none: such a turn is plain.
 */
export interface TurnExtras {
  /** The tool calls of an assistant turn (assistant turns only), ids distinct. */
  readonly toolCalls?: readonly ToolCall[];
  /** The call a tool turn answers (tool turns only). */
  readonly toolCallId?: string;
  /** Files the turn carries. */
  readonly attachments?: readonly Attachment[];
  /** The app's own data: a message id, the model, token usage… A plain JSON object, at most 32 levels deep. */
  readonly metadata?: Readonly<Record<string, JsonValue>>;
}

/**
 * One message of a conversation, as handed out by a store. A plain turn is exactly
 * `{role, content, ts}`; the fields of {@link TurnExtras} are present only when the turn has them.
 * Nested lists and objects are frozen.
 */
export interface Turn extends TurnExtras {
  readonly role: Role;
  readonly content: string;
  /** Unix time in seconds (float, millisecond precision) when the turn was appended. */
  readonly ts: number;
  /**
   * `true` on the conversation's summary, and absent on every other turn: the summary is handed
   * out first, as a `system` turn `{role: 'system', content, ts, summary: true}` whose `ts` is when
   * it was set by `compact`. It is not a turn of its own: `pop` and `replaceNewest` never remove
   * it, `maxTurns` does not count it, and `append`/`appendMany` refuse a turn that carries this field.
   */
  readonly summary?: true;
}

/** A turn to append: the store adds `ts`. */
export interface TurnInput extends TurnExtras {
  readonly role: Role;
  readonly content: string;
}

/** Why a conversation was evicted: idle past its TTL, pushed out by the LRU cap, or by the byte budget. */
export type EvictionReason = 'ttl' | 'lru' | 'bytes';

/** Called once for each conversation a store evicts (never for `delete` or `clear`). */
export type EvictionListener = (id: string, reason: EvictionReason) => void;

/** Options of `appendMany`. */
export interface AppendManyOptions {
  /**
   * How many of the newest turns to remove, in the same atomic step, before the new turns are
   * appended (fewer when the conversation holds fewer): so a message whose content changed — a tool
   * call that got its result, an approval answered — replaces its old version, and no reader ever
   * sees both or neither. A non-negative safe integer. A conversation this empties (with no turns to
   * append) is gone, as if deleted.
   * @default 0
   */
  readonly replaceNewest?: number;
}

/** Options of `compact`. */
export interface CompactOptions {
  /** The new summary: text that stands for the previous summary and the turns removed. At most `maxTurnBytes` UTF-8 bytes. */
  readonly summary: string;
  /** The newest turn the summary covers, as `get` handed it out: an element of `seen` (the same object), not the summary. */
  readonly through: Turn;
  /**
   * What `get` handed out when the summary was written, from its first element (the old summary,
   * if there was one) at least through `through`. The store compacts only if it still holds
   * exactly these turns, field for field (`ts` included), at the start of the conversation;
   * otherwise it rejects with `TURNSTORE_CONFLICT` and changes nothing.
   */
  readonly seen: readonly Turn[];
}

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
  /** Turns held in live conversations (summaries are not turns and are not counted). */
  readonly turns: number;
  /** UTF-8 bytes held: each turn's content plus the JSON text of its extra fields, and each summary's content. */
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
  /**
   * Adds a turn, creating the conversation if absent (an expired one starts empty), then enforces
   * the caps. `extra` carries tool calls, a tool call id, attachments or metadata.
   */
  append(id: string, role: Role, content: string, extra?: TurnExtras): Promise<void>;
  /**
   * Adds several turns as one step, all or nothing. With `replaceNewest: n` the same step first
   * removes the conversation's newest `n` turns (fewer if it holds fewer); the caps apply to the
   * result. A conversation left with no turn is gone, as if deleted (not an eviction).
   */
  appendMany(id: string, turns: readonly TurnInput[], options?: AppendManyOptions): Promise<void>;
  /**
   * Removes and returns the newest turn of a live conversation, atomically; `undefined` for an
   * unknown or expired one. A write: it refreshes recency and TTL. A conversation left with no
   * turn is gone, as if deleted (not an eviction).
   */
  pop(id: string): Promise<Turn | undefined>;
  /**
   * In one atomic step sets the conversation's summary and removes its oldest turns up to
   * `through`, provided it still begins with what `seen` shows (the old summary, then the turns
   * through `through`); else rejects with `TURNSTORE_CONFLICT`, changing nothing. A write: it
   * refreshes recency and TTL, and the caps apply to the result. Turns appended after `seen` was
   * read are kept. See docs/spec.md, decision 16.
   */
  compact(id: string, options: CompactOptions): Promise<void>;
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
