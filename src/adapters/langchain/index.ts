/**
 * `turnstore/langchain`: a LangChain chat history over any turnstore store. Needs the optional
 * peer `@langchain/core` 1.x (`npm install @langchain/core`); importing this module without it
 * throws `TURNSTORE_MISSING_PEER`.
 *
 * @packageDocumentation
 */
export { TurnstoreChatMessageHistory, type TurnstoreChatMessageHistoryInput } from './chat-message-history.js';
export {
  METADATA_KEYS,
  SUMMARY_MESSAGE_ID,
  fromLangChainMessages,
  toLangChainMessages,
  type FromLangChainOptions,
  type TurnWithExtras,
} from './messages.js';
export type { UnsupportedContent } from '../unsupported-content.js';
