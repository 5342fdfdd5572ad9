/**
 * Baseline: LangChain's `InMemoryChatMessageHistory`, one per conversation in a `Map`, as a user
 * would wire it up: messages trimmed to the last `maxTurns` after each append, and a naive
 * conversation cap — a touched conversation is deleted and re-inserted so the Map's insertion
 * order is its recency order, and past the cap the first key goes. No TTL: the history class has
 * none, and a user starting from it rarely adds one.
 */
import { InMemoryChatMessageHistory } from '@langchain/core/chat_history';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { Role } from '../../../src/index.js';
import type { BenchStore, StoreLimits } from '../bench-store.js';

function toMessage(role: Role, content: string): BaseMessage {
  switch (role) {
    case 'user':
      return new HumanMessage(content);
    case 'assistant':
      return new AIMessage(content);
    case 'system':
      return new SystemMessage(content);
    case 'tool':
      return new ToolMessage({ content, tool_call_id: '' });
  }
}

/** Conversations as LangChain chat histories in a Map kept in recency order. */
export class LangChainConversationStore implements BenchStore {
  readonly #histories = new Map<string, InMemoryChatMessageHistory>();
  readonly #maxTurns: number;
  readonly #maxConversations: number;

  constructor(limits: StoreLimits) {
    this.#maxTurns = limits.maxTurns;
    this.#maxConversations = limits.maxConversations;
  }

  /** LangChain's own message array, as `getMessages()` returns it (no copy). */
  async get(id: string): Promise<BaseMessage[]> {
    const history = this.#histories.get(id);
    if (!history) return [];
    this.#histories.delete(id);
    this.#histories.set(id, history);
    return history.getMessages();
  }

  async append(id: string, role: Role, content: string): Promise<void> {
    let history = this.#histories.get(id);
    if (history) this.#histories.delete(id);
    else history = new InMemoryChatMessageHistory();
    this.#histories.set(id, history);
    await history.addMessage(toMessage(role, content));
    const messages = await history.getMessages();
    if (messages.length > this.#maxTurns) {
      await history.clear();
      await history.addMessages(messages.slice(-this.#maxTurns));
    }
    if (this.#histories.size > this.#maxConversations) this.#histories.delete(this.#histories.keys().next().value!);
  }

  async close(): Promise<void> {
    this.#histories.clear();
  }
}
