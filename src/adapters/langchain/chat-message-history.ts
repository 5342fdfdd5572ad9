import type { BaseMessage } from '@langchain/core/messages';
import { contextWindow, type ContextWindowOptions } from '../../core/context-window.js';
import { checkOptions, checkStoreOption, optionKeys } from '../../core/options.js';
import type { ConversationStore } from '../../core/types.js';
import { checkId } from '../../core/validate.js';
import { checkUnsupportedOption, type UnsupportedContent } from '../unsupported-content.js';
import { fromLangChainMessages, toLangChainMessages } from './messages.js';
import { withoutOrphanToolResults } from './orphan-tool-results.js';
import { BaseListChatMessageHistory } from './peer.js';

/** Options of {@link TurnstoreChatMessageHistory}. */
export interface TurnstoreChatMessageHistoryInput {
  /** Any turnstore store: `MemoryStore`, `SqliteStore`, `RedisStore`. Its `maxTurns` bounds the history kept. */
  readonly store: ConversationStore;
  /** The conversation this history reads and writes (LangChain's session id). */
  readonly conversationId: string;
  /**
   * What to do with what a turn still cannot hold (a provider-side file id, server tool calls, a
   * refusal, a tool call without an id…; see {@link fromLangChainMessages}). Reasoning is always
   * left out; tool calls, tool results, files, ids and names are kept.
   * @default 'error'
   */
  readonly unsupported?: UnsupportedContent;
  /**
   * When given, `getMessages` returns only `contextWindow(turns, this)`: the system turns and the
   * newest turns that fit in `maxTokens`. Without it, every turn the store holds.
   */
  readonly contextWindow?: ContextWindowOptions;
}

const OWNER = 'TurnstoreChatMessageHistory';

const HISTORY_OPTION_KEYS = optionKeys<TurnstoreChatMessageHistoryInput>({
  store: true,
  conversationId: true,
  unsupported: true,
  contextWindow: true,
});

/**
 * A LangChain chat history kept in a turnstore store: drop it into `RunnableWithMessageHistory`
 * (or anything that takes a `BaseListChatMessageHistory`) and the conversation lives in memory,
 * SQLite or Redis with turnstore's caps, TTL and LRU.
 *
 * - `getMessages()` — the stored turns as LangChain messages, oldest first (through
 *   `contextWindow` when that option is set). A read refreshes the conversation's TTL.
 * - `addMessage(m)` / `addMessages(ms)` — one `appendMany`: all the messages or none. Every message
 *   is converted and checked first, so a refused one stores nothing.
 * - `clear()` — deletes the conversation.
 *
 * How messages map to turns (roles, text, images, tool calls, metadata) is documented on
 * {@link fromLangChainMessages} and {@link toLangChainMessages}.
 *
 * @example
 * ```ts
 * const history = new TurnstoreChatMessageHistory({ store: memory, conversationId: 'conv1' });
 * await history.addMessages([new HumanMessage('Hi'), new AIMessage('Hello!')]);
 * await history.getMessages(); // [HumanMessage 'Hi', AIMessage 'Hello!']
 * ```
 */
export class TurnstoreChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['turnstore', 'langchain'];

  /** The store the turns live in. */
  readonly store: ConversationStore;
  /** The conversation id. */
  readonly conversationId: string;
  readonly #unsupported: UnsupportedContent;
  readonly #window: ContextWindowOptions | undefined;

  /**
   * @throws `TURNSTORE_INVALID_OPTION` for a missing store, an unknown option or a bad
   * `unsupported`/`contextWindow`; `TURNSTORE_INVALID_ID` for a bad conversation id.
   */
  constructor(fields: TurnstoreChatMessageHistoryInput) {
    super();
    const { store, conversationId } = checkOptions(fields, {
      owner: OWNER,
      known: HISTORY_OPTION_KEYS,
    }) as Partial<TurnstoreChatMessageHistoryInput>;
    const checked = checkStoreOption(OWNER, store, ['get', 'appendMany', 'delete']);
    checkId(conversationId);
    this.store = checked;
    this.conversationId = conversationId;
    this.#unsupported = checkUnsupportedOption(fields.unsupported, OWNER);
    if (fields.contextWindow !== undefined) contextWindow([], fields.contextWindow); // checks the options now, not on the first read
    this.#window = fields.contextWindow;
  }

  /**
   * The conversation's turns as LangChain messages, oldest first. Tool results whose call the
   * store's `maxTurns` (or the window) cut off are left out, so the history is one a provider
   * accepts.
   */
  async getMessages(): Promise<BaseMessage[]> {
    const turns = await this.store.get(this.conversationId);
    return toLangChainMessages(withoutOrphanToolResults(this.#window ? contextWindow(turns, this.#window) : turns));
  }

  /** Stores one message (see {@link addMessages}). */
  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /** Stores the messages in one `appendMany`: all of them, or — when one is refused — none. */
  override async addMessages(messages: BaseMessage[]): Promise<void> {
    const turns = fromLangChainMessages(messages, { unsupported: this.#unsupported });
    if (turns.length > 0) await this.store.appendMany(this.conversationId, turns);
  }

  /** Deletes the conversation from the store. */
  override async clear(): Promise<void> {
    await this.store.delete(this.conversationId);
  }
}
