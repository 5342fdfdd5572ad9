import assert from 'node:assert/strict';
import type { Role, Turn, TurnExtras, TurnInput } from '../../core/types.js';
import { assertRejects, conformanceTest, coreStats, explain, group, listAll, snapshot } from '../harness.js';
import { turnBytes } from '../model.js';
import type { ResolvedTarget } from '../target.js';

/** A turn as handed out, without `ts`, so it can be compared with what was appended. */
function withoutTs(turn: Turn): Omit<Turn, 'ts'> {
  const { ts: _ts, ...rest } = turn;
  return rest;
}

/** A tool exchange with every kind of extra field, as an agent stores it. */
export const TOOL_EXCHANGE: readonly TurnInput[] = Object.freeze<TurnInput[]>([
  {
    role: 'user',
    content: 'What is the weather in Paris and in Köln? Here is my photo.',
    attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' }],
    metadata: { messageId: 'm-1' },
  },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_2', name: 'get_weather', arguments: '{"city": "Köln", "units":"metric"}' },
    ],
    metadata: { model: 'gpt-4o-mini', usage: { inputTokens: 42, outputTokens: 17 }, finish: 'tool_calls' },
  },
  { role: 'tool', content: '{"temperature":21}', toolCallId: 'call_1' },
  { role: 'tool', content: '{"temperature":18}', toolCallId: 'call_2', metadata: { tool: 'get_weather' } },
  {
    role: 'assistant',
    content: 'Paris 21 °C, Köln 18 °C.',
    attachments: [{ mediaType: 'application/pdf', url: 'https://example.com/report.pdf' }],
  },
]);

/** Metadata that exercises JSON: nesting, arrays, unicode keys and values, numbers, null, a `__proto__` key as data. */
function trickyMetadata(): Record<string, unknown> {
  const metadata: Record<string, unknown> = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}');
  metadata.nested = { a: [1, 2.5, -3, 1e300, true, false, null, 'ß'], b: { c: { d: [] } } };
  metadata['ключ 😀'] = 'значение';
  metadata.empty = {};
  metadata.text = 'line1\nline2 "quoted" \u0000 \\';
  return metadata;
}

/** Nested `depth` levels deep: `{a: {a: … {}}}`, the outermost object being level 1. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

class Point {
  x = 1;
}

/** One bad extra and the field its message must name. */
interface BadExtra {
  readonly what: string;
  readonly role: Role;
  readonly extra: unknown;
  /** What the message must mention: the field's path (or each of these). */
  readonly names: string | readonly string[];
}

function badExtras(): BadExtra[] {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  const call = { id: 'c1', name: 'f', arguments: '{}' };
  const list: BadExtra[] = [
    { what: 'toolCalls on a user turn', role: 'user', extra: { toolCalls: [call] }, names: 'toolCalls' },
    { what: 'toolCalls on a tool turn', role: 'tool', extra: { toolCalls: [call], toolCallId: 'c1' }, names: 'toolCalls' },
    { what: 'toolCallId on an assistant turn', role: 'assistant', extra: { toolCallId: 'c1' }, names: 'toolCallId' },
    { what: 'toolCallId on a user turn', role: 'user', extra: { toolCallId: 'c1' }, names: 'toolCallId' },
    { what: 'an empty toolCallId', role: 'tool', extra: { toolCallId: '' }, names: 'toolCallId' },
    { what: 'a toolCallId of 257 units', role: 'tool', extra: { toolCallId: 'x'.repeat(257) }, names: 'toolCallId' },
    { what: 'a numeric toolCallId', role: 'tool', extra: { toolCallId: 7 }, names: 'toolCallId' },
    { what: 'toolCalls not an array', role: 'assistant', extra: { toolCalls: call }, names: 'toolCalls' },
    { what: 'an empty call id', role: 'assistant', extra: { toolCalls: [{ ...call, id: '' }] }, names: 'toolCalls[0].id' },
    {
      what: 'a call id of 257 units',
      role: 'assistant',
      extra: { toolCalls: [{ ...call, id: 'i'.repeat(257) }] },
      names: 'toolCalls[0].id',
    },
    { what: 'an empty tool name', role: 'assistant', extra: { toolCalls: [{ ...call, name: '' }] }, names: 'toolCalls[0].name' },
    {
      what: 'a tool name of 257 units',
      role: 'assistant',
      extra: { toolCalls: [{ ...call, name: 'n'.repeat(257) }] },
      names: 'toolCalls[0].name',
    },
    {
      what: 'arguments as an object',
      role: 'assistant',
      extra: { toolCalls: [{ ...call, arguments: { city: 'Paris' } }] },
      names: 'toolCalls[0].arguments',
    },
    { what: 'missing arguments', role: 'assistant', extra: { toolCalls: [{ id: 'c1', name: 'f' }] }, names: 'toolCalls[0].arguments' },
    {
      what: 'an unknown key in a call',
      role: 'assistant',
      extra: { toolCalls: [{ ...call, type: 'function' }] },
      names: ['toolCalls[0]', '"type"'],
    },
    { what: 'two calls with one id', role: 'assistant', extra: { toolCalls: [call, { ...call, name: 'g' }] }, names: 'toolCalls[1].id' },
    { what: 'a call that is null', role: 'assistant', extra: { toolCalls: [null] }, names: 'toolCalls[0]' },
    {
      what: 'an ftp: attachment',
      role: 'user',
      extra: { attachments: [{ mediaType: 'image/png', url: 'ftp://example.com/a.png' }] },
      names: 'attachments[0].url',
    },
    {
      what: 'a javascript: attachment',
      role: 'user',
      extra: { attachments: [{ mediaType: 'text/html', url: 'javascript:alert(1)' }] },
      names: 'attachments[0].url',
    },
    {
      what: 'a relative attachment URL',
      role: 'user',
      extra: { attachments: [{ mediaType: 'image/png', url: '/a.png' }] },
      names: 'attachments[0].url',
    },
    {
      what: 'a data: URL without a comma',
      role: 'user',
      extra: { attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64' }] },
      names: 'attachments[0].url',
    },
    {
      what: 'a media type without a subtype',
      role: 'user',
      extra: { attachments: [{ mediaType: 'image', url: 'https://example.com/a' }] },
      names: 'attachments[0].mediaType',
    },
    {
      what: 'a media type with parameters',
      role: 'user',
      extra: { attachments: [{ mediaType: 'text/plain; charset=utf-8', url: 'https://example.com/a' }] },
      names: 'attachments[0].mediaType',
    },
    {
      what: 'a missing media type',
      role: 'user',
      extra: { attachments: [{ url: 'https://example.com/a' }] },
      names: 'attachments[0].mediaType',
    },
    {
      what: 'an unknown key in an attachment',
      role: 'user',
      extra: { attachments: [{ mediaType: 'image/png', url: 'https://example.com/a', name: 'a.png' }] },
      names: ['attachments[0]', '"name"'],
    },
    { what: 'attachments not an array', role: 'user', extra: { attachments: 'https://example.com/a' }, names: 'attachments' },
    { what: 'metadata an array', role: 'user', extra: { metadata: [1, 2] }, names: 'metadata' },
    { what: 'metadata a string', role: 'user', extra: { metadata: 'x' }, names: 'metadata' },
    { what: 'metadata null', role: 'user', extra: { metadata: null }, names: 'metadata' },
    { what: 'a function in metadata', role: 'user', extra: { metadata: { f: () => 1 } }, names: 'metadata.f' },
    { what: 'a symbol in metadata', role: 'user', extra: { metadata: { s: Symbol('s') } }, names: 'metadata.s' },
    { what: 'a symbol key in metadata', role: 'user', extra: { metadata: { [Symbol('k')]: 1 } }, names: 'metadata' },
    { what: 'undefined in metadata', role: 'user', extra: { metadata: { u: undefined } }, names: 'metadata.u' },
    { what: 'NaN in metadata', role: 'user', extra: { metadata: { n: Number.NaN } }, names: 'metadata.n' },
    {
      what: 'Infinity in metadata',
      role: 'user',
      extra: { metadata: { deep: { n: Number.POSITIVE_INFINITY } } },
      names: 'metadata.deep.n',
    },
    { what: 'a bigint in metadata', role: 'user', extra: { metadata: { b: 1n } }, names: 'metadata.b' },
    { what: 'a cycle in metadata', role: 'user', extra: { metadata: cycle }, names: 'metadata.self' },
    { what: 'a Date in metadata', role: 'user', extra: { metadata: { when: new Date(0) } }, names: 'metadata.when' },
    { what: 'a class instance as metadata', role: 'user', extra: { metadata: new Point() }, names: 'metadata' },
    { what: 'a Map in metadata', role: 'user', extra: { metadata: { m: new Map() } }, names: 'metadata.m' },
    { what: 'metadata 33 levels deep', role: 'user', extra: { metadata: nested(33) }, names: ['metadata', '32'] },
    { what: 'a lone surrogate in metadata', role: 'user', extra: { metadata: { s: 'a\uD800' } }, names: 'metadata.s' },
    {
      what: 'a lone surrogate in arguments',
      role: 'assistant',
      extra: { toolCalls: [{ ...call, arguments: '{"a":"\uDC00"}' }] },
      names: 'toolCalls[0].arguments',
    },
    { what: 'an unknown extra field', role: 'user', extra: { images: [] }, names: '"images"' },
    { what: 'ts among the extras', role: 'user', extra: { ts: 1 }, names: '"ts"' },
    { what: 'extras that are not an object', role: 'user', extra: 'metadata', names: 'turn' },
  ];
  return list;
}

/** Registers the tests of turns with tool calls, tool results, attachments and metadata (SPEC §1). */
export function richTurnTests(target: ResolvedTarget): void {
  group(target, 'rich turns', () => {
    conformanceTest(
      target,
      'every extra field round-trips through appendMany, get and list; plain turns stay {role, content, ts}',
      async (h) => {
        const store = await h.open();
        await store.append('a', 'system', 'Be brief.');
        await store.appendMany('a', TOOL_EXCHANGE);
        const expected = [{ role: 'system', content: 'Be brief.' }, ...TOOL_EXCHANGE];
        const turns = await store.get('a');
        assert.deepEqual(turns.map(withoutTs), expected);
        assert.deepEqual(Object.keys(turns[0]!), ['role', 'content', 'ts']);
        assert.deepEqual(
          Object.keys(turns[2]!),
          ['role', 'content', 'ts', 'toolCalls', 'metadata'],
          'the fields follow {role, content, ts} in their stored order',
        );
        const [item] = await listAll(store);
        assert.deepEqual(item!.turns, turns);
      },
    );

    conformanceTest(target, 'append takes the extra fields as a fourth argument', async (h) => {
      const store = await h.open();
      for (const turn of TOOL_EXCHANGE) {
        const { role, content, ...extra } = turn;
        await store.append('a', role, content, extra);
      }
      await store.append('a', 'user', 'plain', undefined);
      assert.deepEqual((await store.get('a')).map(withoutTs), [...TOOL_EXCHANGE, { role: 'user', content: 'plain' }]);
    });

    conformanceTest(target, 'metadata round-trips as JSON: nesting, unicode, numbers, null, and __proto__ as a plain key', async (h) => {
      const store = await h.open();
      const metadata = trickyMetadata();
      await store.append('a', 'user', 'hi', { metadata: metadata as TurnExtras['metadata'] });
      await store.append('a', 'assistant', 'deep', { metadata: nested(32) as TurnExtras['metadata'] });
      const [turn, deep] = await store.get('a');
      assert.deepEqual(turn!.metadata, metadata);
      assert.deepEqual(Object.keys(turn!.metadata!), Object.keys(metadata), 'keys keep their order');
      assert.equal(Object.getPrototypeOf(turn!.metadata), Object.prototype, 'a "__proto__" key is data, not a prototype');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(deep!.metadata, nested(32), '32 levels are allowed');
    });

    conformanceTest(target, 'empty lists, empty metadata and undefined fields are the same as none: the turn is plain', async (h) => {
      const store = await h.open();
      await store.append('a', 'assistant', 'one', { toolCalls: [], attachments: [], metadata: {}, toolCallId: undefined });
      await store.appendMany('a', [{ role: 'tool', content: 'two', toolCallId: undefined, attachments: [], metadata: {} }]);
      const turns = await store.get('a');
      for (const turn of turns) assert.deepEqual(Object.keys(turn), ['role', 'content', 'ts']);
      assert.equal((await coreStats(store)).bytes, 6);
    });

    conformanceTest(target, 'turns pushed out by maxTurns take their extras with them', async (h) => {
      const store = await h.open({ maxTurns: 2, maxConversations: 2 });
      await store.appendMany('a', TOOL_EXCHANGE.slice(0, 2));
      await store.append('a', 'user', 'plain 1');
      await store.append('a', 'user', 'plain 2');
      assert.deepEqual((await store.get('a')).map(withoutTs), [
        { role: 'user', content: 'plain 1' },
        { role: 'user', content: 'plain 2' },
      ]);
      assert.equal((await coreStats(store)).bytes, 14);
      // A conversation removed and made again starts without the old one's extras.
      await store.appendMany('b', TOOL_EXCHANGE.slice(1, 3));
      assert.equal(await store.delete('b'), true);
      await store.append('b', 'assistant', 'again');
      assert.deepEqual((await store.get('b')).map(withoutTs), [{ role: 'assistant', content: 'again' }]);
    });

    conformanceTest(
      target,
      'bad extra fields reject with TURNSTORE_INVALID_TURN naming the field, through append and appendMany, and change nothing',
      async (h) => {
        const store = await h.open({ maxConversations: 3 });
        await store.appendMany('a', TOOL_EXCHANGE);
        await h.advance(h.injectedClock ? 1000 : 5);
        await store.append('b', 'user', 'b1');
        await h.advance(h.injectedClock ? 1000 : 5);
        const before = await snapshot(store);
        const mentionsAll = async (action: () => Promise<void>, names: readonly string[]): Promise<void> => {
          const error = await assertRejects(action, 'TURNSTORE_INVALID_TURN');
          for (const name of names)
            assert.ok(error.message.includes(name), `the message should name ${JSON.stringify(name)}: ${error.message}`);
        };
        for (const bad of badExtras()) {
          const names = typeof bad.names === 'string' ? [bad.names] : bad.names;
          for (const id of ['a', 'b', 'new']) {
            await mentionsAll(() => store.append(id, bad.role, 'x', bad.extra as TurnExtras), names).catch(
              explain(`append ${bad.what} on ${id}`),
            );
          }
          if (bad.extra === null || typeof bad.extra !== 'object') continue;
          const turn = { role: bad.role, content: 'x', ...(bad.extra as object) } as TurnInput;
          for (const position of [0, 1]) {
            const turns: TurnInput[] = [{ role: 'user', content: 'ok' }];
            turns.splice(position, 0, turn);
            // appendMany names the turn too.
            await mentionsAll(() => store.appendMany('a', turns), [...names, `turns[${position}]`]).catch(
              explain(`appendMany ${bad.what} at ${position}`),
            );
          }
        }
        await assertRejects(
          () => store.appendMany('a', [{ role: 'user', content: 'x', ts: 5 } as TurnInput]),
          'TURNSTORE_INVALID_TURN',
          '"ts"',
        );
        await assertRejects(
          () => store.appendMany('a', [{ role: 'user', content: 'x', name: 'Ann' } as TurnInput]),
          'TURNSTORE_INVALID_TURN',
          '"name"',
        );
        assert.deepEqual(await snapshot(store), before, 'size, stats and listing must be as before');
        assert.deepEqual(await store.get('new'), []);
      },
    );

    conformanceTest(
      target,
      'maxTurnBytes counts content plus the extras as stored: exactly the limit fits, one byte more is too large',
      async (h) => {
        const call = { id: 'call_1', name: 'lookup', arguments: '{"q":"é"}' };
        const base: TurnInput = { role: 'assistant', content: 'ab', toolCalls: [call] };
        const limit = turnBytes(base) + 2;
        const store = await h.open({ maxTurnBytes: limit, maxTotalBytes: limit * 100 });
        await store.append('a', 'assistant', 'abé', { toolCalls: [call] }); // 'abé' is 4 bytes: exactly the limit
        const fits: TurnInput = { ...base, content: 'abé' };
        assert.equal(turnBytes(fits), limit);
        await assertRejects(() => store.append('a', 'assistant', 'abéx', { toolCalls: [call] }), 'TURNSTORE_TURN_TOO_LARGE');
        await assertRejects(
          () =>
            store.appendMany('a', [
              { role: 'user', content: 'ok' },
              { ...base, content: 'abcde' },
            ]),
          'TURNSTORE_TURN_TOO_LARGE',
        );
        // The extras alone can be too large, even with empty content: a data: URL counts.
        const bigImage = `data:image/png;base64,${'A'.repeat(limit)}`;
        await assertRejects(
          () => store.append('a', 'user', '', { attachments: [{ mediaType: 'image/png', url: bigImage }] }),
          'TURNSTORE_TURN_TOO_LARGE',
        );
        await assertRejects(() => store.append('b', 'user', '', { metadata: { blob: 'x'.repeat(limit) } }), 'TURNSTORE_TURN_TOO_LARGE');
        assert.deepEqual((await store.get('a')).map(withoutTs), [fits]);
        assert.deepEqual(await coreStats(store), { conversations: 1, turns: 1, bytes: limit, evictions: { ttl: 0, lru: 0, bytes: 0 } });
      },
    );

    conformanceTest(
      target,
      'metadata sharing objects (2^16 values as JSON, 16 objects) is refused as too large without reading it all',
      async (h) => {
        const maxTurnBytes = 1000;
        const store = await h.open({ maxTurnBytes });
        await store.append('a', 'user', 'kept');
        const before = await snapshot(store);
        let reads = 0;
        let node: Record<string, unknown> = {};
        for (let level = 0; level < 16; level++) {
          const child = node;
          node = {};
          for (const key of ['a', 'b'])
            Object.defineProperty(node, key, {
              enumerable: true,
              get: () => {
                reads++;
                return child;
              },
            });
        }
        for (const id of ['a', 'new']) {
          reads = 0;
          await assertRejects(
            () => store.append(id, 'user', 'x', { metadata: node as TurnExtras['metadata'] }),
            'TURNSTORE_TURN_TOO_LARGE',
            'maxTurnBytes',
          );
          assert.ok(
            reads <= maxTurnBytes,
            `${id}: read ${reads} values of the metadata; each adds at least a byte, so no more than ${maxTurnBytes} can fit`,
          );
          reads = 0;
          await assertRejects(
            () =>
              store.appendMany(id, [
                { role: 'user', content: 'ok' },
                { role: 'user', content: 'x', metadata: node as TurnExtras['metadata'] },
              ]),
            'TURNSTORE_TURN_TOO_LARGE',
            'turns[1]',
          );
          assert.ok(reads <= maxTurnBytes, `${id}: appendMany read ${reads} values of the metadata`);
        }
        assert.deepEqual(await snapshot(store), before);
      },
    );

    conformanceTest(target, 'stats counts the bytes of content plus extras', async (h) => {
      const store = await h.open();
      await store.appendMany('a', TOOL_EXCHANGE);
      await store.append('b', 'user', 'plain é');
      const expected = TOOL_EXCHANGE.reduce((sum, turn) => sum + turnBytes(turn), 0) + 8;
      assert.deepEqual(await coreStats(store), {
        conversations: 2,
        turns: TOOL_EXCHANGE.length + 1,
        bytes: expected,
        evictions: { ttl: 0, lru: 0, bytes: 0 },
      });
      await store.delete('a');
      assert.equal((await coreStats(store)).bytes, 8);
    });

    conformanceTest(
      target,
      'maxTotalBytes counts extras: a large attachment evicts least recently used conversations',
      async (h) => {
        const image = { mediaType: 'image/png', url: `data:image/png;base64,${'B'.repeat(400)}` };
        const withImage: TurnInput = { role: 'user', content: 'look', attachments: [image] };
        const size = turnBytes(withImage);
        const store = await h.open({ maxTurnBytes: size, maxTotalBytes: size * 2 + 10, maxConversations: 100 });
        await store.append('a', 'user', 'look', { attachments: [image] });
        await store.append('b', 'user', 'look', { attachments: [image] });
        await store.append('c', 'user', 'look', { attachments: [image] });
        assert.deepEqual(h.evictions, [['a', 'bytes']]);
        assert.deepEqual(await coreStats(store), { conversations: 2, turns: 2, bytes: size * 2, evictions: { ttl: 0, lru: 0, bytes: 1 } });
      },
      { totalBytes: true },
    );

    conformanceTest(target, 'nested extras handed out are frozen or copies: mutating them never changes the store', async (h) => {
      const store = await h.open();
      const input = structuredClone(TOOL_EXCHANGE) as TurnInput[];
      await store.appendMany('a', input);
      // Mutating what was passed in changes nothing stored either.
      (input[1]!.toolCalls as unknown as Array<{ name: string }>)[0]!.name = 'changed';
      (input[0]!.metadata as Record<string, unknown>).messageId = 'changed';
      // Nor does changing the fourth argument of append.
      const extra = { toolCalls: [{ id: 'c9', name: 'f', arguments: '{}' }], metadata: { nested: { n: 1 } } };
      await store.append('b', 'assistant', '', extra);
      extra.toolCalls[0]!.name = 'changed';
      extra.toolCalls.push({ id: 'c10', name: 'g', arguments: '' });
      extra.metadata.nested.n = 2;
      assert.deepEqual((await store.get('b')).map(withoutTs), [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c9', name: 'f', arguments: '{}' }], metadata: { nested: { n: 1 } } },
      ]);
      const expected = (await store.get('a')).map(withoutTs);
      assert.deepEqual(expected, TOOL_EXCHANGE);
      const mutate = (turns: readonly Turn[]): void => {
        for (const turn of turns) {
          const attempts: Array<() => void> = [
            () => {
              (turn.toolCalls as Array<{ arguments: string }> | undefined)?.push({ arguments: 'x' });
            },
            () => {
              if (turn.toolCalls) (turn.toolCalls[0] as { arguments: string }).arguments = 'changed';
            },
            () => {
              if (turn.attachments) (turn.attachments[0] as { url: string }).url = 'https://changed';
            },
            () => {
              if (turn.metadata) (turn.metadata as Record<string, unknown>).added = 1;
            },
            () => {
              const usage = turn.metadata?.usage as Record<string, unknown> | undefined;
              if (usage) usage.inputTokens = -1;
            },
            () => {
              (turn as { toolCallId?: string }).toolCallId = 'changed';
            },
          ];
          for (const attempt of attempts) {
            try {
              attempt();
            } catch {
              /* frozen */
            }
          }
        }
      };
      mutate(await store.get('a'));
      mutate((await listAll(store))[0]!.turns);
      assert.deepEqual((await store.get('a')).map(withoutTs), expected);
    });

    conformanceTest(target, 'tool call arguments are kept verbatim, even when they are not valid JSON', async (h) => {
      const store = await h.open();
      const calls = [
        { id: 'a', name: 'f', arguments: '{ "spaced" :  1 , "b":[ ] }' },
        { id: 'b', name: 'g', arguments: '{"truncated": ' },
        { id: 'c', name: 'h', arguments: '' },
        { id: 'd', name: 'é 😀', arguments: '{"text":"line\\nbreak \\u00e9"}' },
      ];
      await store.append('a', 'assistant', '', { toolCalls: calls });
      assert.deepEqual((await store.get('a'))[0]!.toolCalls, calls);
    });
  });
}
