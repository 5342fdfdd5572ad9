/**
 * turnstore — conversation memory for chatbots. This entry point has no runtime dependencies:
 * the backends that need drivers live in their own subpaths (`turnstore/sqlite`, `turnstore/redis`).
 *
 * @packageDocumentation
 */
export { MemoryStore } from './memory/memory-store.js';
export { TurnstoreError, isTurnstoreError, ERROR_CODES, type TurnstoreErrorCode } from './core/errors.js';
export { DEFAULT_OPTIONS, type StoreOptions } from './core/options.js';
export {
  contextWindow,
  estimateTokens,
  ESTIMATED_TOKENS_PER_MESSAGE,
  ESTIMATED_TOKENS_PER_ATTACHMENT,
  type ContextWindowOptions,
  type TokenCounter,
  type TurnLike,
} from './core/context-window.js';
export { summarizeOldest, SUMMARIZE_ATTEMPTS, type SummarizeOldestOptions } from './core/summarize-oldest.js';
export { MAX_ID_LENGTH, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT } from './core/validate.js';
export { MAX_TOOL_NAME_LENGTH, MAX_METADATA_DEPTH } from './core/turn-extras.js';
export {
  ROLES,
  type Role,
  type Turn,
  type TurnInput,
  type TurnExtras,
  type ToolCall,
  type Attachment,
  type JsonValue,
  type ConversationStore,
  type ConversationSummary,
  type EvictionListener,
  type EvictionReason,
  type AppendManyOptions,
  type CompactOptions,
  type ListOptions,
  type ListPage,
  type StoreStats,
} from './core/types.js';
