import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { TurnstoreError, type Turn, type TurnExtras, type TurnInput } from '../../src/index.js';
import { RedisStore, type RedisStoreOptions } from '../../src/redis/index.js';
import { RedisTestServer, redisUnavailable } from '../support/redis-server.js';
import { OLD_BYTES, OLD_ELEMENTS, OLD_SCORE, OLD_TURNS } from './old-elements.js';

const connectClient = (url: string) =>
  createClient({ url })
    .on('error', () => {})
    .connect();
type Client = Awaited<ReturnType<typeof connectClient>>;

const unavailable = redisUnavailable();

/** A turn's size by the byte rule, computed here from its parts: content plus the extras' JSON text in the stored field order. */
function sizeOf(turn: TurnInput): number {
  const extras: Record<string, unknown> = {};
  for (const key of ['toolCalls', 'toolCallId', 'attachments', 'metadata'] as const) if (turn[key] !== undefined) extras[key] = turn[key];
  return Buffer.byteLength(turn.content) + (Object.keys(extras).length === 0 ? 0 : Buffer.byteLength(JSON.stringify(extras)));
}

/** The turns without their `ts`, to compare with what was appended. */
const withoutTs = (turns: readonly Turn[]): unknown[] => turns.map(({ ts, ...rest }) => (assert.equal(typeof ts, 'number'), rest));

const TOOL_LOOP: TurnInput[] = [
  { role: 'system', content: 'You are terse.' },
  {
    role: 'user',
    content: 'Weather in 東京, and what is in this photo? 😀',
    attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' }],
    metadata: { messageId: 'u-1' },
  },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"東京"}' },
      { id: 'call_2', name: 'describe', arguments: 'not json {' },
    ],
    metadata: { model: 'gpt-x', usage: { input: 120, output: 7 }, tags: ['a', null, true, 1.5], nested: { deeper: [{ brace: '}' }] } },
  },
  { role: 'tool', content: '{"temp": 7} 4:12', toolCallId: 'call_1' },
  { role: 'tool', content: 'a cat', toolCallId: 'call_2' },
  {
    role: 'assistant',
    content: 'It is 7 °C; the photo shows a cat.',
    attachments: [{ mediaType: 'application/pdf', url: 'https://example.com/report.pdf' }],
  },
];

describe('RedisStore holds rich turns', { skip: unavailable }, () => {
  let server: RedisTestServer;
  let client: Client;
  let stores = 0;
  const open: RedisStore[] = [];
  const newStore = (options: Partial<RedisStoreOptions> = {}): { store: RedisStore; prefix: string } => {
    const prefix = `rich-${++stores}`;
    const store = new RedisStore({ client, prefix, ...options });
    open.push(store);
    return { store, prefix };
  };
  /** The byte counters the scripts keep for one conversation, and the store's total. */
  const counters = async (prefix: string, id: string): Promise<{ conversation: number; total: number }> => ({
    conversation: Number(await client.hGet(`{${prefix}}:bytes`, id)),
    total: Number(await client.hGet(`{${prefix}}:meta`, 'bytes')),
  });

  before(async () => {
    server = await RedisTestServer.start();
    client = await connectClient(server.url);
  });
  after(async () => {
    for (const store of open) await store.close();
    await client?.close();
    await server?.stop();
  });

  it('round-trips every field through appendMany, append, get and list; plain turns stay exactly {role, content, ts}', async () => {
    const { store } = newStore({ maxTurns: 20 });
    await store.appendMany('loop', TOOL_LOOP.slice(0, 3));
    for (const turn of TOOL_LOOP.slice(3)) {
      const { role, content, ...extra } = turn;
      await store.append('loop', role, content, Object.keys(extra).length === 0 ? undefined : (extra as TurnExtras));
    }
    await store.append('loop', 'user', 'thanks', { attachments: [], metadata: {} });
    const expected = [...TOOL_LOOP, { role: 'user', content: 'thanks' }];

    const turns = await store.get('loop');
    assert.deepEqual(withoutTs(turns), expected);
    assert.deepEqual(Object.keys(turns[0]!), ['role', 'content', 'ts']);
    assert.deepEqual(Object.keys(turns[6]!), ['role', 'content', 'ts'], 'empty extras are none');
    assert.deepEqual(Object.keys(turns[2]!), ['role', 'content', 'ts', 'toolCalls', 'metadata']);

    const page = await store.list();
    assert.equal(page.items.length, 1);
    assert.deepEqual(withoutTs(page.items[0]!.turns), expected);
  });

  it('hands out fresh turns with frozen extras: changing what get returned changes nothing stored', async () => {
    const { store } = newStore();
    await store.appendMany('a', TOOL_LOOP.slice(1, 3));
    const [user, assistant] = await store.get('a');
    assert.ok(Object.isFrozen(assistant!.toolCalls) && Object.isFrozen(assistant!.toolCalls![0]) && Object.isFrozen(assistant!.metadata));
    assert.ok(Object.isFrozen(assistant!.metadata!.usage as object) && Object.isFrozen(user!.attachments![0]));
    assert.throws(() => (assistant!.toolCalls as unknown as unknown[]).push({}), TypeError);
    (assistant as { content: string }).content = 'changed';
    assert.deepEqual(withoutTs(await store.get('a')), TOOL_LOOP.slice(1, 3));
  });

  it('plain turns cost no more in Redis: each element is still the role digit, the time, a space and the content', async () => {
    const { store, prefix } = newStore();
    await store.append('plain', 'user', 'hello there');
    await store.appendMany('plain', [{ role: 'assistant', content: 'hi 😀' }]);
    const elements = await client.lRange(`{${prefix}}:c:plain`, 0, -1);
    assert.match(elements[0]!, /^0\d{13} hello there$/);
    assert.match(elements[1]!, /^1\d{13} hi 😀$/);
    assert.deepEqual(await counters(prefix, 'plain'), { conversation: 11 + 7, total: 11 + 7 });
  });

  it('counts content plus extras JSON in stats, the per-conversation counter, and when maxTurns drops turns', async () => {
    const { store, prefix } = newStore({ maxTurns: 3 });
    await store.appendMany('a', TOOL_LOOP.slice(0, 3));
    let held = TOOL_LOOP.slice(0, 3);
    const sum = (turns: TurnInput[]): number => turns.reduce((total, turn) => total + sizeOf(turn), 0);
    assert.equal((await store.stats()).bytes, sum(held));
    assert.ok(sum(held) > held.reduce((total, turn) => total + Buffer.byteLength(turn.content), 0) + 100, 'the extras are counted');
    // Each append now drops the oldest (a plain turn, then two rich ones): the script subtracts what it counted.
    for (const turn of TOOL_LOOP.slice(3)) {
      const { role, content, ...extra } = turn;
      await store.append('a', role, content, extra as TurnExtras);
      held = [...held.slice(1), turn];
      const stats = await store.stats();
      assert.equal(stats.bytes, sum(held));
      assert.equal(stats.turns, 3);
      assert.deepEqual(await counters(prefix, 'a'), { conversation: sum(held), total: sum(held) });
    }
    await store.appendMany('b', [{ role: 'user', content: 'x', metadata: { k: 'é' } }]);
    assert.equal((await store.stats()).bytes, sum(held) + 1 + Buffer.byteLength('{"metadata":{"k":"é"}}'));
    await store.delete('a');
    assert.equal((await store.stats()).bytes, 1 + Buffer.byteLength('{"metadata":{"k":"é"}}'));
  });

  it('maxTotalBytes counts extras: a turn with a large attachment pushes out other conversations and its own oldest turns', async () => {
    const url = `data:text/plain;base64,${'A'.repeat(600)}`;
    const big: TurnInput = { role: 'user', content: 'see file', attachments: [{ mediaType: 'text/plain', url }] };
    assert.ok(sizeOf(big) > 600 && Buffer.byteLength(big.content) < 10);
    const { store } = newStore({ maxTurnBytes: 1000, maxTotalBytes: 1000 });
    await store.append('old', 'user', 'x'.repeat(300));
    await store.append('a', 'user', 'y'.repeat(200));
    await store.appendMany('a', [big]);
    // 300 + 200 + big > 1000: 'old' goes first; then 200 + big fits.
    assert.deepEqual(await store.get('old'), []);
    assert.equal((await store.stats()).bytes, 200 + sizeOf(big));
    await store.appendMany('a', [big]);
    // Alone over the budget: its own oldest turns go until it fits.
    assert.deepEqual(withoutTs(await store.get('a')), [big]);
    assert.equal((await store.stats()).bytes, sizeOf(big));
    assert.equal((await store.stats()).evictions.bytes, 1);
  });

  it('a data: URL too large with its content is TURNSTORE_TURN_TOO_LARGE, and nothing is stored', async () => {
    const { store, prefix } = newStore({ maxTurnBytes: 1024 });
    await store.append('a', 'user', 'before');
    const keysBefore = (await client.keys(`{${prefix}}:*`)).sort();
    const elementsBefore = await client.lRange(`{${prefix}}:c:a`, 0, -1);
    const url = `data:image/png;base64,${'A'.repeat(1000)}`;
    const tooLarge = (error: unknown): boolean => {
      assert.ok(error instanceof TurnstoreError, String(error));
      assert.equal(error.code, 'TURNSTORE_TURN_TOO_LARGE');
      assert.match(error.message, /maxTurnBytes is 1024/);
      return true;
    };
    // The content alone fits; with the attachment's JSON it does not.
    await assert.rejects(store.append('a', 'user', 'look', { attachments: [{ mediaType: 'image/png', url }] }), tooLarge);
    await assert.rejects(store.append('new', 'user', 'look', { attachments: [{ mediaType: 'image/png', url }] }), tooLarge);
    await assert.rejects(
      store.appendMany('a', [
        { role: 'user', content: 'fine' },
        { role: 'user', content: 'look', attachments: [{ mediaType: 'image/png', url }] },
      ]),
      (error: unknown) => {
        tooLarge(error);
        assert.match((error as Error).message, /turns\[1\]/);
        return true;
      },
    );
    assert.deepEqual((await client.keys(`{${prefix}}:*`)).sort(), keysBefore);
    assert.deepEqual(await client.lRange(`{${prefix}}:c:a`, 0, -1), elementsBefore);
    assert.deepEqual(withoutTs(await store.get('a')), [{ role: 'user', content: 'before' }]);
    const stats = await store.stats();
    assert.equal(stats.bytes, 6);
    assert.equal(stats.turns, 1);
    // Just at the limit is accepted: content + JSON = maxTurnBytes exactly.
    const fitting = `data:image/png;base64,${'A'.repeat(900)}`;
    const json = `{"attachments":[{"mediaType":"image/png","url":"${fitting}"}]}`;
    const content = 'z'.repeat(1024 - Buffer.byteLength(json));
    await store.append('a', 'user', content, { attachments: [{ mediaType: 'image/png', url: fitting }] });
    assert.equal((await store.stats()).bytes, 6 + 1024);
  });

  it('bad extras are TURNSTORE_INVALID_TURN naming the field, and nothing is stored', async () => {
    const { store, prefix } = newStore();
    await assert.rejects(store.append('a', 'user', 'x', { toolCalls: [{ id: 'c', name: 'n', arguments: '{}' }] }), (error: unknown) => {
      assert.ok(
        error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN' && error.message.includes('toolCalls'),
        String(error),
      );
      return true;
    });
    await assert.rejects(
      store.appendMany('a', [
        { role: 'user', content: 'x' },
        { role: 'tool', content: 'r', toolCallId: '' },
      ]),
      (error: unknown) => {
        assert.ok(
          error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN' && error.message.includes('turns[1].toolCallId'),
          String(error),
        );
        return true;
      },
    );
    assert.deepEqual(await client.keys(`{${prefix}}:*`), []);
  });

  it('turns the store wrote before extras existed still decode, count and trim', async () => {
    const { store, prefix } = newStore({ ttlSeconds: 0, maxTurns: 5 });
    // The keys exactly as the store of eb520f8 left them (see old-elements.ts).
    await client.rPush(`{${prefix}}:c:chat`, OLD_ELEMENTS);
    await client.zAdd(`{${prefix}}:lru`, { score: OLD_SCORE, value: 'chat' });
    await client.hSet(`{${prefix}}:bytes`, 'chat', OLD_BYTES);
    await client.hSet(`{${prefix}}:turns`, 'chat', OLD_ELEMENTS.length);
    await client.hSet(`{${prefix}}:meta`, { bytes: OLD_BYTES, turns: OLD_ELEMENTS.length });

    const turns = await store.get('chat');
    assert.deepEqual(turns, OLD_TURNS);
    for (const turn of turns) assert.deepEqual(Object.keys(turn), ['role', 'content', 'ts']);
    assert.deepEqual((await store.list()).items[0]!.turns, OLD_TURNS);
    assert.deepEqual(await store.stats(), { conversations: 1, turns: 5, bytes: OLD_BYTES, evictions: { ttl: 0, lru: 0, bytes: 0 } });

    // A rich turn next to them: the oldest old turn is trimmed, and the counts stay exact.
    const rich = TOOL_LOOP[2]!;
    const { role, content, ...extra } = rich;
    await store.append('chat', role, content, extra as TurnExtras);
    assert.deepEqual(withoutTs(await store.get('chat')), [...OLD_TURNS.slice(1).map(({ ts, ...rest }) => rest), rich]);
    const expectedBytes = OLD_BYTES - Buffer.byteLength(OLD_TURNS[0]!.content) + sizeOf(rich);
    assert.equal((await store.stats()).bytes, expectedBytes);
    assert.deepEqual(await counters(prefix, 'chat'), { conversation: expectedBytes, total: expectedBytes });
  });
});
