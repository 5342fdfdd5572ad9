/**
 * `saveUIMessages`/`loadUIMessages` on ai 7, from its peer project (test/peer-projects/ai-7, Node
 * ≥ 22): the same tests as on ai 6, with ai 7's `validateUIMessages` and `convertToModelMessages`
 * and a chat that also holds the parts ai 7 added. Skipped, with the Node it needs, on Node 20.
 */
import { describe, it } from 'node:test';
import type * as Turnstore from '../../src/index.js';
import type * as AiSdk from '../../src/adapters/ai-sdk/index.js';
import { peerProject } from '../support/peer-project.js';
import { ai7OnlyChat, everyPartChat } from '../support/ui-message-fixtures.js';
import { uiMessageTests, type UIKit } from '../support/ui-messages-suite.js';

const project = peerProject('ai-7');

async function kit(): Promise<UIKit> {
  if ('skip' in project) throw new Error(project.skip);
  const ai = (await project.load('ai')) as Pick<UIKit, 'validateUIMessages' | 'convertToModelMessages'>;
  const turnstore = (await project.load('turnstore')) as typeof Turnstore;
  const aiSdk = (await project.load('turnstore/ai-sdk')) as typeof AiSdk;
  return {
    validateUIMessages: ai.validateUIMessages,
    convertToModelMessages: ai.convertToModelMessages,
    createStore: () => new turnstore.MemoryStore({ maxTurns: 100 }),
    saveUIMessages: (store, id, messages) => aiSdk.saveUIMessages(store as Turnstore.MemoryStore, id, messages as never),
    loadUIMessages: async (store, id) => (await aiSdk.loadUIMessages(store as Turnstore.MemoryStore, id)) as never,
    contextWindow: turnstore.contextWindow,
    toModelMessages: (turns) => aiSdk.toModelMessages(turns),
    chat: () => [...everyPartChat(), ...ai7OnlyChat()],
  };
}

// Skipped as a test, not a suite, so the run's count of skipped tests shows it.
if ('skip' in project) it('saveUIMessages/loadUIMessages on ai 7', { skip: project.skip }, () => {});
else describe('saveUIMessages/loadUIMessages on ai 7', () => uiMessageTests(kit));
