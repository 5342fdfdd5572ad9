import { createRequire } from 'node:module';
import { invalidOptionError } from '../../core/errors.js';
import { requirePeer } from '../../core/import-peer.js';
import { checkOptions, checkStoreOption, optionKeys } from '../../core/options.js';
import { splitSummary } from '../../core/compaction.js';
import type { ConversationStore, Turn, TurnInput } from '../../core/types.js';
import { checkId } from '../../core/validate.js';
import { itemsOfTurns, turnsOfItems, withoutOrphanResults, type AgentInputItem } from './items.js';

/** Options of {@link TurnstoreSession}. */
export interface TurnstoreSessionOptions {
  /**
   * Any turnstore store: `MemoryStore`, `SqliteStore`, `RedisStore`, `PostgresStore`. One item is
   * one turn, and a run with a tool call writes four or more: give the store a `maxTurns` that
   * holds the history your agent needs (the default, 8, is a chatbot's).
   */
  readonly store: ConversationStore;
  /** The conversation the session reads and writes: what the SDK calls the session id. */
  readonly sessionId: string;
}

const OWNER = 'TurnstoreSession';
const SESSION_OPTION_KEYS = optionKeys<TurnstoreSessionOptions>({ store: true, sessionId: true });
const PEER = '@openai/agents-core';
const require = createRequire(import.meta.url);
let peerFound = false;

/**
 * Refuses with `TURNSTORE_MISSING_PEER` when `@openai/agents-core` cannot be found from here. The
 * session loads nothing from it (items are plain objects), so finding it is enough; it is looked
 * for once per process.
 */
function checkPeer(): void {
  if (peerFound) return;
  requirePeer(PEER, 'turnstore/openai-agents', () => require.resolve(PEER), 'npm install @openai/agents');
  peerFound = true;
}

/**
 * An OpenAI Agents SDK `Session` kept in a turnstore store: pass it to `run(agent, input, { session })`
 * and the conversation lives in memory, SQLite, Redis or PostgreSQL with turnstore's caps, TTL and LRU.
 *
 * - `getItems(limit?)` — the stored items, oldest first; with `limit`, the newest `limit` of them.
 *   A call result whose call is not among them (cut off by `limit` or by the store's `maxTurns`)
 *   is left out, so fewer than `limit` items may come back. A read refreshes the conversation's TTL.
 * - `addItems(items)` — one `appendMany`: every item or none; each item is one turn.
 * - `popItem()` — the store's `pop`: removes the newest turn and returns its item, atomically.
 * - `clearSession()` — deletes the conversation.
 *
 * How items map to turns is documented in docs/openai-agents.md and on {@link turnOfItem}.
 *
 * @example
 * ```ts
 * const session = new TurnstoreSession({ store, sessionId: 'conv1' });
 * const result = await run(agent, 'What is the weather in Paris?', { session });
 * ```
 */
export class TurnstoreSession {
  /** The store the items live in. */
  readonly store: ConversationStore;
  readonly #sessionId: string;

  /**
   * @throws `TURNSTORE_INVALID_OPTION` for a missing store or an unknown option;
   * `TURNSTORE_INVALID_ID` for a bad session id; `TURNSTORE_MISSING_PEER` when
   * `@openai/agents-core` is not installed.
   */
  constructor(options: TurnstoreSessionOptions) {
    const { store, sessionId } = checkOptions(options, { owner: OWNER, known: SESSION_OPTION_KEYS }) as Partial<TurnstoreSessionOptions>;
    const checked = checkStoreOption(OWNER, store, ['get', 'appendMany', 'pop', 'delete']);
    checkId(sessionId);
    checkPeer();
    this.store = checked;
    this.#sessionId = sessionId;
  }

  /** The session id given to the constructor (the conversation id in the store). */
  async getSessionId(): Promise<string> {
    return this.#sessionId;
  }

  /**
   * The conversation's items, oldest first: all of them, or the newest `limit` (0 gives none),
   * without call results cut off from their call.
   * @throws `TURNSTORE_INVALID_OPTION` for a `limit` that is not an integer ≥ 0.
   */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw invalidOptionError({ owner: `${OWNER}.getItems`, option: 'limit', problem: 'must be an integer ≥ 0', value: limit });
    }
    if (limit === 0) return [];
    // The summary (decision 16) stands first and counts in `limit`, but goes last: the newest items make room for it.
    const { summary, turns } = splitSummary(await this.store.get(this.#sessionId));
    const items = itemsOfTurns(turns);
    const room = limit === undefined ? undefined : summary === undefined ? limit : limit - 1;
    const newest = withoutOrphanResults(room === undefined ? items : room === 0 ? [] : items.slice(-room));
    return summary === undefined ? newest : [summaryItem(summary), ...newest];
  }

  /**
   * Stores the items, each as one turn, in one `appendMany`: all of them, or — when one is
   * refused (`TURNSTORE_INVALID_TURN`, `TURNSTORE_TURN_TOO_LARGE`) — none.
   */
  async addItems(items: AgentInputItem[]): Promise<void> {
    const turns = await this.#withoutSummary(turnsOfItems(items));
    if (turns.length > 0) await this.store.appendMany(this.#sessionId, turns);
  }

  /** Removes the newest item and returns it; `undefined` when the conversation is empty, unknown or expired. */
  async popItem(): Promise<AgentInputItem | undefined> {
    const turn = await this.store.pop(this.#sessionId);
    return turn === undefined ? undefined : itemsOfTurns([turn]).at(-1);
  }

  /**
   * The turns but for the summary fed back: a system turn whose text is the stored summary's is the
   * item `getItems` gave for it (compact sets a summary, an append never does). The store is read
   * only when some turn is a system turn, which agents seldom add.
   */
  async #withoutSummary(turns: TurnInput[]): Promise<TurnInput[]> {
    if (!turns.some((turn) => turn.role === 'system')) return turns;
    const { summary } = splitSummary(await this.store.get(this.#sessionId));
    if (summary === undefined) return turns;
    return turns.filter((turn) => !(turn.role === 'system' && turn.content === summary.content && turn.metadata === undefined));
  }

  /** Deletes the conversation. */
  async clearSession(): Promise<void> {
    await this.store.delete(this.#sessionId);
  }
}

/** The item of a conversation's summary: a system message, first in `getItems`. */
function summaryItem(summary: Turn): AgentInputItem {
  return { type: 'message', role: 'system', content: summary.content } as AgentInputItem;
}
