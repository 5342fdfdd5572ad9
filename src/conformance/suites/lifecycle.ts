import assert from 'node:assert/strict';
import type { StoreOptions } from '../../core/options.js';
import type { ConversationStore } from '../../core/types.js';
import { assertRejects, assertRejectsAsync, conformanceTest, contents, explain, group, type Harness } from '../harness.js';
import type { ResolvedTarget } from '../target.js';

/** Every store method, called with valid arguments. */
const CALLS: ReadonlyArray<readonly [string, (store: ConversationStore) => Promise<unknown>]> = [
  ['get', (s) => s.get('a')],
  ['append', (s) => s.append('a', 'user', 'x')],
  ['appendMany', (s) => s.appendMany('a', [{ role: 'user', content: 'x' }])],
  ['appendMany([])', (s) => s.appendMany('a', [])],
  ['appendMany with replaceNewest', (s) => s.appendMany('a', [{ role: 'user', content: 'x' }], { replaceNewest: 1 })],
  ['pop', (s) => s.pop('a')],
  ['delete', (s) => s.delete('a')],
  ['clear', (s) => s.clear()],
  ['size', (s) => s.size()],
  ['list', (s) => s.list()],
  ['stats', (s) => s.stats()],
];

/** Bad values of each option, by option name (decision 13). */
const BAD_OPTIONS: ReadonlyArray<readonly [string, readonly unknown[]]> = [
  ['maxTurns', [NaN, -1, 0, 1.5, '8', Infinity, null]],
  ['maxConversations', [NaN, -1, 0, 1.5, '8', Infinity, null]],
  ['maxTurnBytes', [NaN, -1, 0, 1.5, '8', Infinity, null]],
  ['maxTotalBytes', [NaN, -1, 0, 1.5, '8', Infinity, null]],
  ['ttlSeconds', [NaN, -1, Infinity, '1', null]],
  ['now', [5, 'Date.now', {}, null]],
  ['onEvict', ['x', {}, 5, null]],
];

/** Creates a store with `options` and expects it refused: a throw from the factory or a rejection both count. */
async function assertRefused(h: Harness, options: Record<string, unknown>, mentions: string): Promise<void> {
  await assertRejectsAsync(
    async () => {
      // Should the store accept the options after all, it is closed here, then the assertion fails.
      const store = await h.target.create(options as StoreOptions);
      await store.close();
    },
    'TURNSTORE_INVALID_OPTION',
    mentions,
  );
}

/** Registers the tests of the store's life: options and defaults, `close` (decisions 12, 13). */
export function lifecycleTests(target: ResolvedTarget): void {
  group(target, 'options and close', () => {
    for (const [name, values] of BAD_OPTIONS) {
      conformanceTest(target, `a bad ${name} is refused with TURNSTORE_INVALID_OPTION naming it`, async (h) => {
        for (const value of values) {
          await assertRefused(h, { [name]: value }, name).catch(
            explain(`${name}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`),
          );
        }
      });
    }

    conformanceTest(target, 'maxTotalBytes below maxTurnBytes is refused', async (h) => {
      await assertRefused(h, { maxTurnBytes: 100, maxTotalBytes: 99 }, 'maxTotalBytes');
      await assertRefused(h, { maxTotalBytes: 1000 }, 'maxTotalBytes'); // below the default maxTurnBytes, 65536
    });

    conformanceTest(target, 'an unknown option is refused, naming it', async (h) => {
      await assertRefused(h, { maxTurn: 5 }, 'maxTurn');
      await assertRefused(h, { ttl: 5 }, 'ttl');
    });

    conformanceTest(target, 'edge values are accepted: ttlSeconds 0 and 0.5, caps of 1, maxTotalBytes = maxTurnBytes', async (h) => {
      for (const options of [
        { ttlSeconds: 0 },
        { ttlSeconds: 0.5 },
        { maxTurns: 1, maxConversations: 1, maxTurnBytes: 1, maxTotalBytes: 1 },
        {},
      ]) {
        const store = await h.open(options);
        await store.append('a', 'user', 'x');
        assert.deepEqual(contents(await store.get('a')), ['x'], JSON.stringify(options));
      }
    });

    conformanceTest(target, 'the defaults: maxTurns 8, maxTurnBytes 65536, maxConversations 500', async (h) => {
      const store = await h.open();
      for (let i = 0; i < 10; i++) await store.append('a', 'user', `t${i}`);
      assert.deepEqual(contents(await store.get('a')), ['t2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']);
      await store.append('big', 'user', 'x'.repeat(65536));
      await assertRejects(() => store.append('big', 'user', 'x'.repeat(65537)), 'TURNSTORE_TURN_TOO_LARGE');
      await store.clear();
      for (let i = 0; i < 501; i++) await store.append(`c${i}`, 'user', '');
      assert.equal(await store.size(), 500);
      assert.deepEqual(h.evictions, [['c0', 'lru']]);
    });

    conformanceTest(
      target,
      'the default ttlSeconds is 3600',
      async (h) => {
        const store = await h.open();
        await store.append('a', 'user', 'x');
        await h.advance(3_600_000);
        assert.equal(await store.size(), 1);
        await h.advance(1);
        assert.equal(await store.size(), 0);
      },
      { injectedClock: true },
    );

    conformanceTest(target, 'close resolves and may be called twice', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'x');
      assert.equal(await store.close(), undefined);
      await store.close();
    });

    conformanceTest(target, 'after close every method rejects with TURNSTORE_CLOSED', async (h) => {
      const store = await h.open();
      await store.append('a', 'user', 'x');
      await store.close();
      for (const [name, call] of CALLS) {
        await assertRejects(() => call(store), 'TURNSTORE_CLOSED').catch(explain(name));
      }
      await store.close();
    });
  });
}
