/**
 * @langchain/core, the optional peer of `turnstore/langchain`. The history class extends one of
 * its classes, so it is needed as soon as the subpath is imported: a top-level `await import()`
 * turns its absence into `TURNSTORE_MISSING_PEER` at that import, with what to install.
 */
import { importPeer } from '../../core/import-peer.js';

const INSTALL = 'npm install @langchain/core@1';
const PURPOSE = 'turnstore/langchain';

export const { BaseListChatMessageHistory } = await importPeer(
  '@langchain/core',
  PURPOSE,
  () => import('@langchain/core/chat_history'),
  INSTALL,
);
export const { AIMessage, HumanMessage, SystemMessage, ToolMessage, isBaseMessage } = await importPeer(
  '@langchain/core',
  PURPOSE,
  () => import('@langchain/core/messages'),
  INSTALL,
);
