/** Every public adapter entry point refuses an option it does not know, naming it and listing the known ones. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HumanMessage } from '@langchain/core/messages';
import { fromModelMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';
import { fromLangChainMessages, TurnstoreChatMessageHistory } from '../../src/adapters/langchain/index.js';
import { TurnstoreSession } from '../../src/adapters/openai-agents/index.js';
import { gptTokenCounter } from '../../src/adapters/tokenizers/index.js';
import { contextWindow, MemoryStore } from '../../src/index.js';

function refused(action: () => unknown, mentions: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'TURNSTORE_INVALID_OPTION', String(error));
    assert.match((error as Error).message, mentions);
    return true;
  });
}

describe('adapter options', () => {
  const store = new MemoryStore();

  it('TurnstoreChatMessageHistory', () => {
    refused(
      () => new TurnstoreChatMessageHistory({ store, conversationId: 'c', window: {} } as never),
      /^TurnstoreChatMessageHistory: unknown option "window"; known options are store, conversationId, unsupported, contextWindow\.$/,
    );
  });

  it('TurnstoreSession (options are checked before the peer is looked for)', () => {
    refused(
      () => new TurnstoreSession({ store, sessionId: 'c', limit: 10 } as never),
      /^TurnstoreSession: unknown option "limit"; known options are store, sessionId\.$/,
    );
    refused(() => new TurnstoreSession({ sessionId: 'c' } as never), /^TurnstoreSession: option "store" must be a turnstore store/);
    refused(
      () => new TurnstoreSession({ store: { get() {}, appendMany() {}, delete() {} }, sessionId: 'c' } as never),
      /option "store" must be a turnstore store/,
    );
    refused(() => new TurnstoreSession('c' as never), /^TurnstoreSession: options must be an object \{store, sessionId\}; got "c"\.$/);
    assert.throws(
      () => new TurnstoreSession({ store, sessionId: '' }),
      (error: Error & { code?: string }) => error.code === 'TURNSTORE_INVALID_ID',
    );
  });

  it('fromLangChainMessages (which ignored unknown options before)', () => {
    refused(
      () => fromLangChainMessages([new HumanMessage('hi')], { unsuported: 'drop' } as never),
      /^fromLangChainMessages: unknown option "unsuported"; known options are unsupported\.$/,
    );
    assert.deepEqual(fromLangChainMessages([new HumanMessage('hi')], { unsupported: 'drop' }), [{ role: 'user', content: 'hi' }]);
  });

  it('toModelMessages and fromModelMessages', () => {
    refused(
      () => toModelMessages([], { drop: true } as never),
      /^toModelMessages: unknown option "drop"; known options are unsupported\.$/,
    );
    refused(() => fromModelMessages([], { unsupportd: 'drop' } as never), /^fromModelMessages: unknown option "unsupportd"/);
    refused(() => fromModelMessages([], 'drop' as never), /^fromModelMessages: options must be an object \{unsupported\}; got "drop"\.$/);
  });

  it('gptTokenCounter and contextWindow', () => {
    refused(
      () => gptTokenCounter({ modle: 'gpt-4o' } as never),
      /^gptTokenCounter: unknown option "modle"; known options are model, encoding, tokenizer\.$/,
    );
    refused(
      () => contextWindow([], { maxTokens: 5, countToken: () => 1 } as never),
      /^contextWindow: unknown option "countToken"; known options are maxTokens, countTokens\.$/,
    );
    refused(
      () => contextWindow([], undefined as never),
      /^contextWindow: options must be an object \{maxTokens, countTokens\}; got undefined\.$/,
    );
  });

  it('closes its store', async () => {
    await store.close();
  });
});
