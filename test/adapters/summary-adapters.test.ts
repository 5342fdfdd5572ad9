import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SystemMessage } from '@langchain/core/messages';
import { MemoryStore, contextWindow, type Turn } from '../../src/index.js';
import type { UIMessage } from 'ai';
import { SUMMARY_MESSAGE_ID, TurnstoreChatMessageHistory, fromLangChainMessages } from '../../src/adapters/langchain/index.js';
import { fromModelMessages, loadUIMessages, saveUIMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';

/** A store whose conversation 'c' holds a summary and then `t3`, `t4`. */
async function summarised(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.appendMany('c', [
    { role: 'user', content: 't1' },
    { role: 'assistant', content: 't2' },
    { role: 'user', content: 't3' },
    { role: 'assistant', content: 't4' },
  ]);
  const seen = await store.get('c');
  await store.compact('c', { summary: 'The user said t1; the assistant t2.', through: seen[1]!, seen });
  return store;
}

const withoutTs = (turns: readonly Turn[]) => turns.map(({ ts: _ts, ...rest }) => rest);

describe('the summary in contextWindow and the adapters (decision 16)', () => {
  it('contextWindow keeps the summary first and drops ordinary turns before it', async () => {
    const store = await summarised();
    const turns = await store.get('c');
    const countTokens = () => 10;
    assert.deepEqual(contextWindow(turns, { maxTokens: 30, countTokens }), [turns[0], turns[1], turns[2]]);
    assert.deepEqual(
      contextWindow(turns, { maxTokens: 25, countTokens }),
      [turns[0]],
      't3 does not fit with t4 (a window opens with a user turn)',
    );
    assert.deepEqual(contextWindow(turns, { maxTokens: 10, countTokens }), [turns[0]], 'the summary is the last thing left');
    assert.throws(() => contextWindow(turns, { maxTokens: 9, countTokens }), { code: 'TURNSTORE_INVALID_OPTION' });
  });

  it('LangChain: the summary is a SystemMessage first, marked by its id, and addMessages never writes it back', async () => {
    const store = await summarised();
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
    const messages = await history.getMessages();
    assert.ok(messages[0] instanceof SystemMessage);
    assert.equal(messages[0].id, SUMMARY_MESSAGE_ID);
    assert.equal(messages[0].content, 'The user said t1; the assistant t2.');
    assert.deepEqual(
      messages.slice(1).map((message) => message.content),
      ['t3', 't4'],
    );
    const before = await store.get('c');
    await history.addMessages(messages);
    const after = await store.get('c');
    assert.equal(after.filter((turn) => turn.role === 'system').length, 1, 'no second system turn');
    assert.deepEqual(withoutTs(after), [...withoutTs(before), { role: 'user', content: 't3' }, { role: 'assistant', content: 't4' }]);
    assert.deepEqual(fromLangChainMessages([new SystemMessage({ content: 'a real instruction' })]), [
      { role: 'system', content: 'a real instruction' },
    ]);
  });
});

describe('the summary in the AI SDK adapters (decision 16)', () => {
  it('toModelMessages gives it as the first system message, which fromModelMessages leaves out', async () => {
    const store = await summarised();
    const messages = toModelMessages(await store.get('c'));
    assert.deepEqual(messages[0], {
      role: 'system',
      content: 'The user said t1; the assistant t2.',
      providerOptions: { turnstore: { summary: true } },
    });
    assert.deepEqual(withoutTs(fromModelMessages(messages) as Turn[]), [
      { role: 'user', content: 't3' },
      { role: 'assistant', content: 't4' },
    ]);
    assert.deepEqual(fromModelMessages([{ role: 'system', content: 'an instruction' }]), [{ role: 'system', content: 'an instruction' }]);
  });

  it('loadUIMessages gives it first; saveUIMessages neither writes it back nor counts it among the turns to replace', async () => {
    const store = new MemoryStore();
    const ui = (id: string, role: 'user' | 'assistant', text: string): UIMessage => ({ id, role, parts: [{ type: 'text', text }] });
    await saveUIMessages(store, 'c', [ui('m1', 'user', 'I am Ada.'), ui('m2', 'assistant', 'Hello Ada.'), ui('m3', 'user', 'Tea?')]);
    const seen = await store.get('c');
    await store.compact('c', { summary: 'The user is Ada.', through: seen[1]!, seen });
    const loaded = await loadUIMessages(store, 'c');
    assert.deepEqual(loaded[0], { id: SUMMARY_MESSAGE_ID, role: 'system', parts: [{ type: 'text', text: 'The user is Ada.' }] });
    assert.deepEqual(
      loaded.slice(1).map((message) => message.id),
      ['m3'],
    );
    await saveUIMessages(store, 'c', [...loaded, ui('m4', 'assistant', 'Yes, tea.')]);
    assert.deepEqual(
      (await store.get('c')).map((turn) => [turn.role, turn.content, turn.summary ?? false]),
      [
        ['system', 'The user is Ada.', true],
        ['user', 'Tea?', false],
        ['assistant', 'Yes, tea.', false],
      ],
    );
    // Saving the same list again writes nothing.
    const before = await store.get('c');
    await saveUIMessages(store, 'c', [...loaded, ui('m4', 'assistant', 'Yes, tea.')]);
    assert.deepEqual(await store.get('c'), before);
  });
});
