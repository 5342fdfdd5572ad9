/**
 * `saveUIMessages` against a model of what it must write, on random chat histories: each step
 * changes the chat as a client would (a new message, the last message changed, an older one edited
 * or regenerated, the chat cut short or emptied, another chat entirely) and saves it. After every
 * save the load is the chat; the write removed exactly the turns of the stored messages from the
 * first one that differs and appended exactly the turns of the chat's messages from there — so
 * nothing unchanged is written again — and saving the same chat again writes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { UIMessage } from 'ai';
import { MemoryStore } from '../../src/index.js';
import { loadUIMessages, saveUIMessages } from '../../src/adapters/ai-sdk/index.js';
import { asJson, everyPartChat, type FixtureMessage } from '../support/ui-message-fixtures.js';
import { booking, recorded } from '../support/ui-messages-suite.js';

/** Messages to draw from: every part type, and a tool call in each of its states. */
const POOL: FixtureMessage[] = [
  ...everyPartChat(),
  ...(['input-available', 'approval-requested', 'approval-responded', 'output-available'] as const).map((state) => booking(state)),
];

/** How many turns a message takes when saved alone. */
const turnCounts = new Map<string, number>();
async function turnsOf(message: FixtureMessage): Promise<number> {
  const key = JSON.stringify(message);
  if (!turnCounts.has(key)) {
    const store = new MemoryStore({ maxTurns: 1000 });
    await saveUIMessages(store, 'one', [message] as UIMessage[]);
    turnCounts.set(key, (await store.get('one')).length);
    await store.close();
  }
  return turnCounts.get(key)!;
}

type Change =
  | { kind: 'append'; pick: number }
  | { kind: 'change-last'; pick: number }
  | { kind: 'edit'; at: number; pick: number }
  | { kind: 'cut'; at: number }
  | { kind: 'other-chat'; pick: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('change-last' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('edit' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('other-chat' as const), pick: fc.nat() }),
);

let fresh = 0;
/** A message of the pool under a new id (ids are unique within a chat). */
function newMessage(pick: number, id = `m-${++fresh}`): FixtureMessage {
  return { ...structuredClone(POOL[pick % POOL.length]!), id };
}

function applied(chat: FixtureMessage[], step: Change): FixtureMessage[] {
  switch (step.kind) {
    case 'append':
      return [...chat, newMessage(step.pick)];
    case 'change-last':
      // The same id, other content (a tool part that moved on, a regenerated answer kept under its id).
      return chat.length === 0 ? chat : [...chat.slice(0, -1), newMessage(step.pick, chat.at(-1)!.id)];
    case 'edit': {
      // useChat's edit or regenerate: the chat cut after the message, which changes (same id or new).
      if (chat.length === 0) return chat;
      const at = step.at % chat.length;
      return [...chat.slice(0, at), newMessage(step.pick, step.pick % 2 === 0 ? chat[at]!.id : undefined)];
    }
    case 'cut':
      return chat.slice(0, step.at % (chat.length + 1));
    case 'other-chat':
      return [newMessage(step.pick)];
  }
}

describe('saveUIMessages against a model', () => {
  it('on random chat histories: the load is the chat, and each save writes exactly what changed, once', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 12 }), async (steps) => {
        const { store, writes } = recorded(new MemoryStore({ maxTurns: 10_000 }));
        let saved: FixtureMessage[] = [];
        try {
          for (const step of steps) {
            const chat = applied(saved, step);
            // The model: the first message that differs from what is saved, then its turns and the rest.
            let first = 0;
            while (first < saved.length && first < chat.length && JSON.stringify(saved[first]) === JSON.stringify(chat[first])) first++;
            let removed = 0;
            for (const message of saved.slice(first)) removed += await turnsOf(message);
            let added = 0;
            for (const message of chat.slice(first)) added += await turnsOf(message);
            const before = writes.length;
            await saveUIMessages(store, 'chat', chat as UIMessage[]);
            if (removed === 0 && added === 0) assert.equal(writes.length, before, 'an unchanged chat writes nothing');
            else assert.deepEqual(writes.slice(before), [{ turns: added, replaceNewest: removed }]);
            assert.deepStrictEqual(await loadUIMessages(store, 'chat'), asJson(chat));
            await saveUIMessages(store, 'chat', chat as UIMessage[]);
            assert.equal(writes.length, before + (removed === 0 && added === 0 ? 0 : 1), 'saving it again writes nothing');
            saved = chat;
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
