import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeExtras } from '../../src/core/turn-extras.js';
import { ConversationTable } from '../../src/memory/conversation-table.js';

const EXTRAS = decodeExtras('{"metadata":{"k":1}}');

type Step =
  | { readonly op: 'create' }
  | { readonly op: 'push'; readonly which: number; readonly rich: boolean }
  | { readonly op: 'drop'; readonly which: number }
  | { readonly op: 'dropNewest'; readonly which: number }
  | { readonly op: 'remove'; readonly which: number }
  | { readonly op: 'reset' };

describe('ConversationTable extras', () => {
  it('holds extras for exactly the live turns that have them, through overwrites, drops at either end, removals, growth and reset', () => {
    const step = fc.oneof(
      fc.constant<Step>({ op: 'create' }),
      fc.record({ op: fc.constant('push' as const), which: fc.nat(), rich: fc.boolean() }),
      fc.record({ op: fc.constant('push' as const), which: fc.nat(), rich: fc.boolean() }),
      fc.record({ op: fc.constant('drop' as const), which: fc.nat() }),
      fc.record({ op: fc.constant('dropNewest' as const), which: fc.nat() }),
      fc.record({ op: fc.constant('remove' as const), which: fc.nat() }),
      fc.constant<Step>({ op: 'reset' }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 120 }), (stride, steps) => {
        const table = new ConversationTable(stride, 40); // 40 slots: the table grows from 16 to 32 to 40
        let live: number[] = [];
        let made = 0;
        let pushed = 0;
        for (const s of steps) {
          const slot = live.length > 0 && s.op !== 'create' && s.op !== 'reset' ? live[s.which % live.length]! : -1;
          if (s.op === 'create' && live.length < 40) live.push(table.create(`c${made++}`));
          else if (s.op === 'push' && slot >= 0)
            table.pushTurn(slot, 1, `${s.rich ? 'rich' : 'plain'} ${pushed++}`, 4, 0, s.rich ? EXTRAS : undefined);
          else if (s.op === 'drop' && slot >= 0 && table.turnCount(slot) > 0) table.dropOldestTurn(slot);
          else if (s.op === 'dropNewest' && slot >= 0 && table.turnCount(slot) > 0) {
            const turns = table.copyTurns(slot);
            assert.deepEqual(table.copyNewestTurn(slot), turns.at(-1), 'copyNewestTurn is the last of copyTurns');
            table.dropNewestTurn(slot);
            assert.deepEqual(table.copyTurns(slot), turns.slice(0, -1), 'dropNewestTurn drops the newest turn only');
          } else if (s.op === 'remove' && slot >= 0) {
            table.remove(slot);
            live = live.filter((other) => other !== slot);
          } else if (s.op === 'reset') {
            table.reset();
            live = [];
          }
          let rich = 0;
          for (const held of live) {
            for (const turn of table.copyTurns(held)) {
              assert.equal(
                turn.metadata !== undefined,
                turn.content.startsWith('rich'),
                'a turn has extras exactly when it was pushed with them',
              );
              if (turn.metadata !== undefined) rich++;
            }
          }
          assert.equal(table.turnsWithExtras, rich, `after ${JSON.stringify(s)}: extras held for turns no longer there`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
