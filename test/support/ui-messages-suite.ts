/**
 * The `saveUIMessages`/`loadUIMessages` tests that must hold on every `ai` major: run on ai 6 from
 * the root (test/adapters/ai-sdk-ui-messages.test.ts) and on ai 7 from its peer project
 * (test/adapters/ai-sdk-ui-messages-7.test.ts), each with that version's own `ai` and a turnstore
 * that resolves it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConversationStore, Turn, TurnInput } from '../../src/index.js';
import { asJson, type FixtureMessage } from './ui-message-fixtures.js';

type Messages = FixtureMessage[];
type AppendMany = (id: string, turns: readonly TurnInput[], options?: { replaceNewest?: number }) => Promise<void>;

/** What the tests take from one `ai` version and the turnstore that goes with it. */
export interface UIKit {
  readonly validateUIMessages: (options: { messages: unknown[] }) => Promise<unknown[]>;
  readonly convertToModelMessages: (messages: unknown[]) => Promise<unknown[]> | unknown[];
  readonly createStore: () => ConversationStore;
  readonly saveUIMessages: (store: unknown, id: string, messages: readonly unknown[]) => Promise<void>;
  readonly loadUIMessages: (store: unknown, id: string) => Promise<Messages>;
  readonly contextWindow: (turns: readonly Turn[], options: { maxTokens: number }) => Turn[];
  readonly toModelMessages: (turns: readonly Turn[]) => unknown[];
  /** The chat holding every part type this `ai` has. */
  readonly chat: () => Messages;
}

/** A store whose `appendMany` calls are recorded (turns and replaceNewest). */
export function recorded(store: ConversationStore): { store: ConversationStore; writes: Array<{ turns: number; replaceNewest: number }> } {
  const writes: Array<{ turns: number; replaceNewest: number }> = [];
  const appendMany: AppendMany = (id, turns, options) => {
    writes.push({ turns: turns.length, replaceNewest: options?.replaceNewest ?? 0 });
    return (store.appendMany as AppendMany)(id, turns, options);
  };
  // A proxy, not a subclass: the stores keep their state in private fields, which need the store itself as `this`.
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'appendMany') return appendMany;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, writes };
}

/** The assistant message of a tool call in `state`, as a chat grows through an approval. */
function booking(state: 'input-available' | 'approval-requested' | 'approval-responded' | 'output-available'): FixtureMessage {
  const approval =
    state === 'approval-requested'
      ? { approval: { id: 'ap-1' } }
      : state === 'input-available'
        ? {}
        : { approval: { id: 'ap-1', approved: true } };
  return {
    id: 'a-2',
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      { type: 'text', text: 'Booking.', state: 'done' },
      {
        type: 'tool-book',
        toolCallId: 'c-1',
        state,
        input: { seats: 2 },
        ...approval,
        ...(state === 'output-available' ? { output: { ok: true } } : {}),
      },
      ...(state === 'output-available' ? [{ type: 'step-start' }, { type: 'text', text: 'Booked.', state: 'done' }] : []),
    ],
  };
}

const ask = (id: string, text: string): FixtureMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });
const answer = (id: string, text: string): FixtureMessage => ({
  id,
  role: 'assistant',
  parts: [{ type: 'step-start' }, { type: 'text', text, state: 'done' }],
});

/** Registers the tests (inside the caller's `describe`) on the kit `load` gives. */
export function uiMessageTests(load: () => Promise<UIKit>): void {
  it('round-trips every part type, message ids and metadata; validateUIMessages accepts the load; convertToModelMessages of it equals that of the original', async () => {
    const kit = await load();
    const store = kit.createStore();
    const chat = kit.chat();
    await kit.saveUIMessages(store, 'chat', chat);
    const loaded = await kit.loadUIMessages(store, 'chat');
    assert.deepStrictEqual(loaded, asJson(chat));
    assert.deepStrictEqual(await kit.validateUIMessages({ messages: loaded }), asJson(chat));
    assert.deepStrictEqual(asJson(await kit.convertToModelMessages(loaded)), asJson(await kit.convertToModelMessages(asJson(chat))));
    await store.close();
  });

  it('stores text as content, files as attachments and finished tool calls as toolCalls and tool turns, which contextWindow and toModelMessages read', async () => {
    const kit = await load();
    const store = kit.createStore();
    const chat = kit.chat();
    await kit.saveUIMessages(store, 'chat', chat);
    const turns = await store.get('chat');
    for (const turn of turns) assert.ok(turn.role !== 'tool' || typeof turn.toolCallId === 'string');
    // Every tool call stored is answered by a tool turn of the same message, right after its step.
    const calls = turns.flatMap((turn) => turn.toolCalls ?? []).map((call) => call.id);
    const answered = turns.filter((turn) => turn.role === 'tool').map((turn) => turn.toolCallId);
    assert.deepEqual(calls, answered);
    assert.ok(calls.length > 0);
    // contextWindow keeps them all: every exchange is whole.
    assert.deepEqual(kit.contextWindow(turns, { maxTokens: 100_000 }), turns);
    const models = kit.toModelMessages(turns) as Array<{ role: string }>;
    assert.equal(models.filter((message) => message.role === 'tool').length > 0, true);
    const texts = turns.filter((turn) => turn.role !== 'tool').map((turn) => turn.content);
    for (const message of chat) {
      const text = message.parts.map((part) => (part.type === 'text' ? (part.text as string) : '')).join('');
      if (text !== '') assert.ok(texts.join('').includes(text), `the text of ${message.id} is content`);
    }
    const attachments = turns.flatMap((turn) => turn.attachments ?? []).map((attachment) => attachment.url);
    assert.ok(attachments.includes('https://example.com/menu.pdf') || attachments.includes('https://example.com/a.pdf'));
    await store.close();
  });

  it('saving the same chat twice stores nothing twice; a growing chat appends only its new messages', async () => {
    const kit = await load();
    const { store, writes } = recorded(kit.createStore());
    const chat = kit.chat();
    await kit.saveUIMessages(store, 'chat', chat.slice(0, 2));
    const first = (await store.get('chat')).length;
    await kit.saveUIMessages(store, 'chat', chat);
    await kit.saveUIMessages(store, 'chat', chat);
    await kit.saveUIMessages(store, 'chat', asJson(chat));
    const total = (await store.get('chat')).length;
    assert.deepEqual(writes, [
      { turns: first, replaceNewest: 0 },
      { turns: total - first, replaceNewest: 0 },
    ]);
    assert.deepStrictEqual(await kit.loadUIMessages(store, 'chat'), asJson(chat));
    await store.close();
  });

  it('a changed tool state replaces the old message with replaceNewest, in one write each time', async () => {
    const kit = await load();
    const { store, writes } = recorded(kit.createStore());
    const start = [ask('u-1', 'Book a table.')];
    for (const state of ['input-available', 'approval-requested', 'approval-responded', 'output-available'] as const) {
      const chat = [...start, booking(state)];
      await kit.saveUIMessages(store, 'chat', chat);
      assert.deepStrictEqual(await kit.loadUIMessages(store, 'chat'), asJson(chat));
    }
    const turns = await store.get('chat');
    // u-1; the booking's first step (text + the call), its result, its second step.
    assert.deepEqual(
      turns.map((turn) => turn.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
    assert.deepEqual(writes, [
      { turns: 2, replaceNewest: 0 },
      { turns: 1, replaceNewest: 1 },
      { turns: 1, replaceNewest: 1 },
      { turns: 3, replaceNewest: 1 },
    ]);
    // The finished message changes again (its output): all three of its turns are replaced.
    const done = booking('output-available');
    (done.parts[2] as { output: unknown }).output = { ok: false };
    await kit.saveUIMessages(store, 'chat', [...start, done]);
    assert.deepEqual(writes.at(-1), { turns: 3, replaceNewest: 3 });
    assert.deepStrictEqual(await kit.loadUIMessages(store, 'chat'), asJson([...start, done]));
    await store.close();
  });
}

export { answer, ask, booking };
