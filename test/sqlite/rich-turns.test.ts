import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { TurnstoreError, type Turn } from '../../src/index.js';
// TurnExtras is not exported from the public entry yet (core's call); the type is core's own.
import type { TurnExtras } from '../../src/core/types.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

// Turns with extras (tool calls, tool call ids, attachments, metadata) in the SQLite file: how
// they are stored (one JSON text per turn, NULL for a plain one), read back, kept across a reopen,
// and counted against the byte limits. The shared contract is in test/conformance.

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const temp = tempDirForThisFile('turnstore-sqlite-rich-');

const CALL: TurnExtras = {
  toolCalls: [
    { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { id: 'call_2', name: 'get_time', arguments: 'not even JSON {' },
  ],
  attachments: [{ mediaType: 'image/png', url: 'https://example.com/map.png' }],
  metadata: { messageId: 'm-1', model: 'gpt-test', usage: { input: 12, output: 3 }, tags: ['a', null, true, 1.5], 'ünïcode 😀': 'ok' },
};
const RESULT: TurnExtras = { toolCallId: 'call_1', metadata: { ms: 120 } };
const IMAGE: TurnExtras = { attachments: [{ mediaType: 'image/jpeg', url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' }] };

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The stored JSON text of extras given with their fields in the stored order. */
function json(extras: TurnExtras): string {
  return JSON.stringify(extras);
}

/** A turn's size by the byte rule: its content plus its extras' JSON text. */
function size(content: string, extras?: TurnExtras): number {
  return utf8(content) + (extras === undefined ? 0 : utf8(json(extras)));
}

function withoutTs(turns: readonly Turn[]): object[] {
  return turns.map(({ ts: _ts, ...rest }) => rest);
}

function open(options: Omit<SqliteStoreOptions, 'path'> & { path?: string } = {}): SqliteStore {
  return new SqliteStore({ path: temp.file(), ttlSeconds: 0, ...options });
}

function rawTurns(path: string): Array<{ content: string; bytes: number; extras: string | null }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT content, bytes, extras FROM turns ORDER BY conversation, seq').all() as Array<{
      content: string;
      bytes: number;
      extras: string | null;
    }>;
  } finally {
    db.close();
  }
}

async function assertRejects(work: Promise<unknown>, code: string, mentions: string): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof TurnstoreError, String(error));
    assert.equal(error.code, code, error.message);
    assert.ok(error.message.includes(mentions), `the message should name ${mentions}: ${error.message}`);
    return true;
  });
}

/** Appends the same exchange through append and through appendMany, to two conversations. */
async function appendExchange(store: SqliteStore): Promise<void> {
  await store.append('one', 'user', 'Weather and time in Paris?', IMAGE);
  await store.append('one', 'assistant', '', CALL);
  await store.append('one', 'tool', '{"temperature": 21}', RESULT);
  await store.append('one', 'assistant', 'It is 21 °C.');
  await store.appendMany('many', [
    { role: 'user', content: 'Weather and time in Paris?', ...IMAGE },
    { role: 'assistant', content: '', ...CALL },
    { role: 'tool', content: '{"temperature": 21}', ...RESULT },
    { role: 'assistant', content: 'It is 21 °C.' },
  ]);
}

const EXCHANGE = [
  { role: 'user', content: 'Weather and time in Paris?', ...IMAGE },
  { role: 'assistant', content: '', ...CALL },
  { role: 'tool', content: '{"temperature": 21}', ...RESULT },
  { role: 'assistant', content: 'It is 21 °C.' },
];

describe('SqliteStore rich turns', () => {
  it('round trips every field through append and appendMany, in get and list, plain turns exactly {role, content, ts}', async () => {
    const store = open();
    try {
      await appendExchange(store);
      for (const id of ['one', 'many']) {
        const turns = await store.get(id);
        assert.deepEqual(withoutTs(turns), EXCHANGE, id);
        assert.deepEqual(Object.keys(turns[3]!), ['role', 'content', 'ts']);
        assert.deepEqual(Object.keys(turns[1]!), ['role', 'content', 'ts', 'toolCalls', 'attachments', 'metadata']);
        assert.deepEqual(Object.keys(turns[2]!), ['role', 'content', 'ts', 'toolCallId', 'metadata']);
      }
      const listed = (await store.list()).items;
      assert.deepEqual(
        listed.map((item) => [item.id, withoutTs(item.turns)]),
        [
          ['many', EXCHANGE],
          ['one', EXCHANGE],
        ],
      );
    } finally {
      await store.close();
    }
  });

  it('keeps rich turns across close and reopen', async () => {
    const path = temp.file();
    const first = open({ path });
    let before: Turn[];
    try {
      await appendExchange(first);
      before = await first.get('one');
    } finally {
      await first.close();
    }
    const second = open({ path });
    try {
      assert.deepEqual(await second.get('one'), before);
      assert.deepEqual(withoutTs(await second.get('many')), EXCHANGE);
    } finally {
      await second.close();
    }
  });

  it("stores each turn's extras as one JSON text (NULL for a plain turn) and its size as content plus that text", async () => {
    const path = temp.file();
    const store = open({ path });
    try {
      await store.append('a', 'user', 'plain');
      await store.append('a', 'assistant', 'héllo', CALL);
      // Empty lists and metadata are no extras at all.
      await store.append('a', 'user', 'empty extras', { attachments: [], metadata: {} });
      await store.appendMany('a', [
        { role: 'tool', content: '', toolCallId: 'call_1' },
        { role: 'user', content: 'plain too', toolCalls: [] },
      ]);
      assert.deepEqual(rawTurns(path), [
        { content: 'plain', bytes: 5, extras: null },
        { content: 'héllo', bytes: size('héllo', CALL), extras: json(CALL) },
        { content: 'empty extras', bytes: 12, extras: null },
        { content: '', bytes: size('', { toolCallId: 'call_1' }), extras: '{"toolCallId":"call_1"}' },
        { content: 'plain too', bytes: 9, extras: null },
      ]);
      const turns = await store.get('a');
      for (const index of [0, 2, 4]) assert.deepEqual(Object.keys(turns[index]!), ['role', 'content', 'ts']);
    } finally {
      await store.close();
    }
  });

  it('hands out frozen extras and fresh turn objects', async () => {
    const store = open();
    try {
      await store.append('a', 'assistant', '', CALL);
      const [turn] = await store.get('a');
      assert.ok(Object.isFrozen(turn!.toolCalls) && Object.isFrozen(turn!.toolCalls![0]));
      assert.ok(Object.isFrozen(turn!.metadata) && Object.isFrozen(turn!.metadata!.usage) && Object.isFrozen(turn!.metadata!.tags));
      assert.ok(Object.isFrozen(turn!.attachments) && Object.isFrozen(turn!.attachments![0]));
      assert.throws(() => {
        (turn!.toolCalls as Array<unknown>).push({});
      }, TypeError);
      assert.throws(() => {
        (turn!.metadata as Record<string, unknown>).model = 'changed';
      }, TypeError);
      // The turn object itself is the caller's.
      (turn as { content: string }).content = 'changed by the caller';
      const [again] = await store.get('a');
      assert.notEqual(again, turn);
      assert.deepEqual(withoutTs([again!]), [{ role: 'assistant', content: '', ...CALL }]);
    } finally {
      await store.close();
    }
  });

  it('stats().bytes counts content plus extras, and drops them with the turns', async () => {
    const store = open({ maxTurns: 2 });
    try {
      await store.append('a', 'user', 'hi', IMAGE);
      await store.append('a', 'assistant', '', CALL);
      assert.equal((await store.stats()).bytes, size('hi', IMAGE) + size('', CALL));
      // The turn cap trims the oldest: its extras leave the count with it.
      await store.append('a', 'tool', 'r', RESULT);
      assert.equal((await store.stats()).bytes, size('', CALL) + size('r', RESULT));
      await store.append('b', 'user', 'plain');
      assert.equal((await store.stats()).bytes, size('', CALL) + size('r', RESULT) + 5);
      assert.equal(await store.delete('a'), true);
      assert.deepEqual(await store.stats(), { conversations: 1, turns: 1, bytes: 5, evictions: { ttl: 0, lru: 0, bytes: 0 } });
    } finally {
      await store.close();
    }
  });

  it('maxTurnBytes counts content plus extras, exactly', async () => {
    const content = 'look';
    const fits: TurnExtras = { attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,AAAA' }] };
    const maxTurnBytes = size(content, fits);
    const store = open({ maxTurnBytes });
    try {
      await store.append('a', 'user', content, fits);
      const oneMore: TurnExtras = { attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,AAAAB' }] };
      await assertRejects(store.append('a', 'user', content, oneMore), 'TURNSTORE_TURN_TOO_LARGE', 'maxTurnBytes');
      await assertRejects(store.appendMany('a', [{ role: 'user', content, ...oneMore }]), 'TURNSTORE_TURN_TOO_LARGE', 'turns[0]');
      assert.deepEqual(withoutTs(await store.get('a')), [{ role: 'user', content, ...fits }]);
      assert.equal((await store.stats()).bytes, maxTurnBytes);
    } finally {
      await store.close();
    }
  });

  it('a data: URL too large for maxTurnBytes → TURNSTORE_TURN_TOO_LARGE, nothing stored', async () => {
    const path = temp.file();
    const store = open({ path, maxTurnBytes: 1024 });
    const huge: TurnExtras = { attachments: [{ mediaType: 'image/png', url: `data:image/png;base64,${'A'.repeat(2000)}` }] };
    try {
      await store.append('a', 'user', 'before');
      const before = await store.stats();
      await assertRejects(store.append('a', 'user', 'a small caption', huge), 'TURNSTORE_TURN_TOO_LARGE', 'maxTurnBytes');
      await assertRejects(store.append('new', 'user', 'a small caption', huge), 'TURNSTORE_TURN_TOO_LARGE', 'maxTurnBytes');
      // All or nothing: the plain first turn of the batch is not stored either.
      await assertRejects(
        store.appendMany('a', [
          { role: 'user', content: 'fine' },
          { role: 'user', content: 'caption', ...huge },
        ]),
        'TURNSTORE_TURN_TOO_LARGE',
        'turns[1]',
      );
      assert.deepEqual(withoutTs(await store.get('a')), [{ role: 'user', content: 'before' }]);
      assert.deepEqual(await store.get('new'), []);
      assert.deepEqual(await store.stats(), before);
      assert.deepEqual(
        rawTurns(path).map((row) => row.content),
        ['before'],
      );
    } finally {
      await store.close();
    }
  });

  it('maxTotalBytes counts extras: a conversation whose content alone would fit is evicted for bytes', async () => {
    const first = size('a', IMAGE);
    const second = size('b', IMAGE);
    const evicted: string[] = [];
    // Room for both contents with their extras, less one byte: content alone would fit many times over.
    const store = open({
      maxTurnBytes: first,
      maxTotalBytes: first + second - 1,
      onEvict: (id, reason) => {
        evicted.push(`${reason}:${id}`);
      },
    });
    try {
      await store.append('x', 'user', 'a', IMAGE);
      await store.append('y', 'user', 'b', IMAGE);
      assert.deepEqual(evicted, ['bytes:x']);
      assert.deepEqual(await store.stats(), { conversations: 1, turns: 1, bytes: second, evictions: { ttl: 0, lru: 0, bytes: 1 } });
    } finally {
      await store.close();
    }
  });

  it('maxTotalBytes is exact with extras: turns summing to the budget all stay; one byte over trims the oldest', async () => {
    const one = size('1', RESULT);
    const store = open({ maxTurnBytes: one, maxTotalBytes: 3 * one });
    try {
      for (const content of ['1', '2', '3']) await store.append('a', 'tool', content, RESULT);
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['1', '2', '3'],
      );
      assert.equal((await store.stats()).bytes, 3 * one);
      await store.append('a', 'user', 'x');
      assert.deepEqual(
        (await store.get('a')).map((turn) => turn.content),
        ['2', '3', 'x'],
      );
      assert.equal((await store.stats()).bytes, 2 * one + 1);
    } finally {
      await store.close();
    }
  });

  it('bad extras → TURNSTORE_INVALID_TURN naming the field, nothing stored', async () => {
    const path = temp.file();
    const store = open({ path });
    try {
      await assertRejects(
        store.append('a', 'user', 'hi', { toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] }),
        'TURNSTORE_INVALID_TURN',
        'toolCalls',
      );
      await assertRejects(
        store.append('a', 'assistant', 'hi', { attachments: [{ mediaType: 'image/png', url: 'file:///etc/passwd' }] }),
        'TURNSTORE_INVALID_TURN',
        'attachments[0].url',
      );
      await assertRejects(
        store.appendMany('a', [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 'hi', metadata: { n: Number.NaN } },
        ]),
        'TURNSTORE_INVALID_TURN',
        'turns[1].metadata.n',
      );
      await assertRejects(store.append('a', 'tool', 'hi', { toolCallId: 'c', extra: 1 } as TurnExtras), 'TURNSTORE_INVALID_TURN', 'extra');
      assert.equal(await store.size(), 0);
      assert.deepEqual(rawTurns(path), []);
    } finally {
      await store.close();
    }
  });
});
