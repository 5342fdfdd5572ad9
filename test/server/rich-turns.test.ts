/**
 * Turns with tool calls, a tool call id, attachments and metadata over HTTP: what POST …/turns
 * accepts in both body forms, what GET and the list route give back, and how each bad shape is
 * refused (400 naming the field, or 413 when too large), nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultBodyLimit } from '../../src/server/index.js';
import { assertError, inProcess, type InProcessService } from './support/in-process.js';

const MAX_TURN_BYTES = 400;

/** An OpenAI-style exchange: a question with an image, a call, its result, the answer. */
const EXCHANGE = [
  { role: 'system', content: 'You are a travel agent.' },
  {
    role: 'user',
    content: 'Weather in Paris? Here is a photo.',
    attachments: [
      { mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
      { mediaType: 'application/pdf', url: 'https://example.com/plan.pdf' },
    ],
  },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'call_2', name: 'get_time', arguments: 'not even JSON' },
    ],
    metadata: { model: 'gpt-x', usage: { in: 12, out: 7 } },
  },
  { role: 'tool', content: '{"tempC":18}', toolCallId: 'call_1' },
  { role: 'tool', content: '14:05', toolCallId: 'call_2', metadata: { ms: 3.5 } },
  {
    role: 'assistant',
    content: '18 °C and sunny.',
    metadata: { id: 'msg_9', flags: [true, false, null], '': 'empty key', 'é😀': 'ünïcode' },
  },
];

const EXTRA_ORDER = ['toolCalls', 'toolCallId', 'attachments', 'metadata'];

/** Metadata nested `depth` levels deep (the object itself is level 1). */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

/** Drops `ts`, to compare what was sent with what came back. */
const withoutTs = (turns: Array<Record<string, unknown>>) => turns.map(({ ts: _ts, ...rest }) => rest);

describe('rich turns over HTTP (in process)', () => {
  let service: InProcessService;
  before(async () => {
    service = await inProcess({ storeOptions: { maxTurns: 8, maxTurnBytes: MAX_TURN_BYTES } });
  });
  after(() => service.close());

  it('{turns: […]} stores every field; GET and the list route return them, in the stored order, and plain turns as exactly {role, content, ts}', async () => {
    const posted = await service.call('POST', '/v1/conversations/trip/turns', { body: { turns: EXCHANGE } });
    assert.equal(posted.status, 201, posted.text);
    assert.deepEqual(posted.json, { id: 'trip', appended: EXCHANGE.length });

    const got = await service.call('GET', '/v1/conversations/trip');
    assert.equal(got.status, 200);
    assert.deepEqual(withoutTs(got.json.turns), EXCHANGE);
    for (const turn of got.json.turns as Array<Record<string, unknown>>) {
      const keys = Object.keys(turn);
      assert.deepEqual(keys.slice(0, 3), ['role', 'content', 'ts']);
      assert.deepEqual(
        keys.slice(3),
        EXTRA_ORDER.filter((key) => key in turn),
        'extras follow in the stored order',
      );
    }
    assert.deepEqual(Object.keys(got.json.turns[0]), ['role', 'content', 'ts'], 'the plain system turn has nothing else');
    // What the store hands out, serialized without a schema, is what the service answers: nothing dropped.
    assert.equal(got.text, JSON.stringify({ id: 'trip', turns: await service.store.get('trip') }));

    const list = await service.call('GET', '/v1/conversations?limit=1');
    assert.equal(list.status, 200);
    assert.equal(list.json.items[0].id, 'trip');
    assert.deepEqual(withoutTs(list.json.items[0].turns), EXCHANGE);
  });

  it('{role, content, …} stores one rich turn: metadata of any JSON, __proto__ keys and 32 levels included', async () => {
    const turn = {
      role: 'assistant',
      content: 'Calling.',
      toolCalls: [{ id: 'c', name: 'n', arguments: '' }],
      metadata: { deep: nested(31), list: [1, -2.5, 'x', { y: null }], big: 2 ** 53 - 1 },
    };
    assert.equal((await service.call('POST', '/v1/conversations/one/turns', { body: turn })).status, 201);
    // Spliced in as JSON text, so that __proto__ is a key of the metadata and not a prototype.
    const proto = '{"role":"user","content":"x","metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}}';
    assert.equal(
      (await service.call('POST', '/v1/conversations/one/turns', { body: proto, headers: { 'content-type': 'application/json' } })).status,
      201,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    const got = await service.call('GET', '/v1/conversations/one');
    assert.deepEqual(withoutTs(got.json.turns)[0], turn);
    assert.match(got.text, /"metadata":\{"__proto__":\{"polluted":true\},"constructor":\{"prototype":1\}\}/);
    assert.equal(got.text, JSON.stringify({ id: 'one', turns: await service.store.get('one') }));
  });

  it('empty toolCalls, attachments and metadata are the same as none: the turn reads back plain', async () => {
    const body = {
      turns: [
        { role: 'user', content: 'a', toolCalls: [], attachments: [], metadata: {} },
        { role: 'tool', content: 'b', attachments: [] },
      ],
    };
    assert.equal((await service.call('POST', '/v1/conversations/empty/turns', { body })).status, 201);
    const got = await service.call('GET', '/v1/conversations/empty');
    for (const turn of got.json.turns) assert.deepEqual(Object.keys(turn), ['role', 'content', 'ts']);
  });

  /**
   * Each bad shape, the field its message names (as a path inside the turn) and who refuses it: the
   * schema (types, required and unknown fields; named `body/turns/1/toolCalls/0/arguments`) or the
   * store (every rule on the values; named `turns[1].toolCalls[0].id`, as for library callers).
   */
  const BAD: Array<{ what: string; turn: Record<string, unknown>; field: Array<string | number>; by: 'schema' | 'store'; says: RegExp }> = [
    {
      what: 'toolCalls on a user turn',
      turn: { role: 'user', content: 'x', toolCalls: [{ id: 'c', name: 'n', arguments: '{}' }] },
      field: ['toolCalls'],
      by: 'store',
      says: /is for assistant turns; this turn's role is user/,
    },
    {
      what: 'toolCalls on a tool turn',
      turn: { role: 'tool', content: 'x', toolCallId: 'c', toolCalls: [{ id: 'c', name: 'n', arguments: '{}' }] },
      field: ['toolCalls'],
      by: 'store',
      says: /is for assistant turns/,
    },
    {
      what: 'toolCallId on an assistant turn',
      turn: { role: 'assistant', content: 'x', toolCallId: 'c' },
      field: ['toolCallId'],
      by: 'store',
      says: /is for tool turns; this turn's role is assistant/,
    },
    {
      what: 'an empty call id',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: '', name: 'n', arguments: '{}' }] },
      field: ['toolCalls', 0, 'id'],
      by: 'store',
      says: /1 to 256 characters; got a string of length 0/,
    },
    {
      what: 'a call id of 257 characters',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: 'i'.repeat(257), name: 'n', arguments: '{}' }] },
      field: ['toolCalls', 0, 'id'],
      by: 'store',
      says: /length 257/,
    },
    {
      what: 'an empty tool name',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: '', arguments: '{}' }] },
      field: ['toolCalls', 0, 'name'],
      by: 'store',
      says: /1 to 256 characters/,
    },
    {
      what: 'two calls with one id',
      turn: {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'c', name: 'n', arguments: '{}' },
          { id: 'c', name: 'm', arguments: '{}' },
        ],
      },
      field: ['toolCalls', 1, 'id'],
      by: 'store',
      says: /repeats an earlier call's id/,
    },
    {
      what: 'arguments as an object',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n', arguments: { city: 'Paris' } }] },
      field: ['toolCalls', 0, 'arguments'],
      by: 'schema',
      says: /must be string/,
    },
    {
      what: 'a call without arguments',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n' }] },
      field: ['toolCalls', 0],
      by: 'schema',
      says: /must have required property 'arguments'/,
    },
    {
      what: 'a call with an unknown field',
      turn: { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n', arguments: '{}', type: 'function' }] },
      field: ['toolCalls', 0],
      by: 'schema',
      says: /unknown field "type"/,
    },
    {
      what: 'toolCalls not an array',
      turn: { role: 'assistant', content: '', toolCalls: { id: 'c', name: 'n', arguments: '{}' } },
      field: ['toolCalls'],
      by: 'schema',
      says: /must be array/,
    },
    {
      what: 'an empty toolCallId',
      turn: { role: 'tool', content: 'x', toolCallId: '' },
      field: ['toolCallId'],
      by: 'store',
      says: /1 to 256 characters/,
    },
    {
      what: 'a toolCallId that is a number',
      turn: { role: 'tool', content: 'x', toolCallId: 1 },
      field: ['toolCallId'],
      by: 'schema',
      says: /must be string/,
    },
    {
      what: 'an ftp: URL',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'image/png', url: 'ftp://example.com/a.png' }] },
      field: ['attachments', 0, 'url'],
      by: 'store',
      says: /http:, https: or data: URL/,
    },
    {
      what: 'a javascript: URL',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'text/html', url: 'javascript:alert(1)' }] },
      field: ['attachments', 0, 'url'],
      by: 'store',
      says: /http:, https: or data: URL/,
    },
    {
      what: 'an https: URL without a host',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'image/png', url: 'https://' }] },
      field: ['attachments', 0, 'url'],
      by: 'store',
      says: /not a valid URL/,
    },
    {
      what: 'a data: URL without its comma',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64' }] },
      field: ['attachments', 0, 'url'],
      by: 'store',
      says: /without the comma/,
    },
    {
      what: 'a media type without a subtype',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'png', url: 'https://example.com/a.png' }] },
      field: ['attachments', 0, 'mediaType'],
      by: 'store',
      says: /"type\/subtype"/,
    },
    {
      what: 'a media type with parameters',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'text/plain; charset=utf-8', url: 'https://example.com/a.txt' }] },
      field: ['attachments', 0, 'mediaType'],
      by: 'store',
      says: /"type\/subtype"/,
    },
    {
      what: 'an attachment without a url',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'image/png' }] },
      field: ['attachments', 0],
      by: 'schema',
      says: /must have required property 'url'/,
    },
    {
      what: 'an attachment with an unknown field',
      turn: { role: 'user', content: 'x', attachments: [{ mediaType: 'image/png', url: 'https://example.com/a.png', name: 'a.png' }] },
      field: ['attachments', 0],
      by: 'schema',
      says: /unknown field "name"/,
    },
    {
      what: 'metadata that is an array',
      turn: { role: 'user', content: 'x', metadata: [1] },
      field: ['metadata'],
      by: 'schema',
      says: /must be object/,
    },
    {
      what: 'metadata that is null',
      turn: { role: 'user', content: 'x', metadata: null },
      field: ['metadata'],
      by: 'schema',
      says: /must be object/,
    },
    {
      what: 'metadata that is a string',
      turn: { role: 'user', content: 'x', metadata: 'm' },
      field: ['metadata'],
      by: 'schema',
      says: /must be object/,
    },
    {
      what: 'metadata 33 levels deep',
      turn: { role: 'user', content: 'x', metadata: { deep: nested(32) } },
      field: ['metadata', 'deep', ...Array(31).fill('a')],
      by: 'store',
      says: /nested more than 32 levels deep/,
    },
    {
      what: 'metadata with a lone surrogate',
      turn: { role: 'user', content: 'x', metadata: { k: '\ud800' } },
      field: ['metadata', 'k'],
      by: 'store',
      says: /well-formed UTF-16/,
    },
    {
      what: 'the OpenAI spelling tool_calls',
      turn: { role: 'assistant', content: '', tool_calls: [] },
      field: [],
      by: 'schema',
      says: /unknown field "tool_calls"/,
    },
    {
      what: 'an unknown field beside the extras',
      turn: { role: 'tool', content: 'x', toolCallId: 'c', name: 'get_weather' },
      field: [],
      by: 'schema',
      says: /unknown field "name"/,
    },
  ];

  /** How a message names `field` of the turn at `index` of a batch (`undefined`: the one-turn body). */
  function fieldName(field: Array<string | number>, by: 'schema' | 'store', index: number | undefined): string {
    if (by === 'schema') return ['body', ...(index === undefined ? [] : ['turns', index]), ...field].join('/');
    const turn = index === undefined ? 'turn' : `turns[${index}]`;
    return turn + field.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
  }

  for (const bad of BAD) {
    it(`400 TURNSTORE_INVALID_TURN naming the field, nothing stored: ${bad.what}`, async () => {
      const id = `bad-${bad.what}`;
      const url = `/v1/conversations/${encodeURIComponent(id)}/turns`;
      assert.equal((await service.call('POST', url, { body: { role: 'user', content: 'before' } })).status, 201);
      for (const [body, index] of [
        [bad.turn, undefined],
        [{ turns: [{ role: 'user', content: 'ok' }, bad.turn] }, 1],
      ] as const) {
        const response = await service.call('POST', url, { body });
        assertError(response, 400, 'TURNSTORE_INVALID_TURN');
        const name = fieldName(bad.field, bad.by, index);
        assert.ok(
          response.json.error.message.startsWith(name) || response.json.error.message.includes(` ${name} `),
          `${response.json.error.message} names ${name}`,
        );
        assert.match(response.json.error.message, bad.says);
      }
      const stored = await service.store.get(id);
      assert.deepEqual(
        stored.map((turn) => turn.content),
        ['before'],
        'neither request stored anything',
      );
    });
  }

  it('413 TURNSTORE_TURN_TOO_LARGE when content plus the extras as stored pass maxTurnBytes, in both body forms; exactly maxTurnBytes fits', async () => {
    const content = 'é';
    const prefix = 'data:image/png;base64,';
    const extrasBytes = (url: string) => Buffer.byteLength(JSON.stringify({ attachments: [{ mediaType: 'image/png', url }] }));
    const fill = MAX_TURN_BYTES - Buffer.byteLength(content) - extrasBytes(prefix);
    const fitting = { role: 'user', content, attachments: [{ mediaType: 'image/png', url: prefix + 'A'.repeat(fill) }] };
    const over = { ...fitting, attachments: [{ mediaType: 'image/png', url: prefix + 'A'.repeat(fill + 1) }] };

    for (const [body, where] of [
      [over, 'The turn'],
      [{ turns: [{ role: 'user', content: 'ok' }, over] }, 'turns[1]'],
    ] as const) {
      const response = await service.call('POST', '/v1/conversations/sized/turns', { body });
      assertError(response, 413, 'TURNSTORE_TURN_TOO_LARGE');
      assert.match(
        response.json.error.message,
        new RegExp(
          `^${where.replace(/[[\]]/g, '\\$&')} is ${MAX_TURN_BYTES + 1} UTF-8 bytes \\(2 of content, ${MAX_TURN_BYTES - 1} of tool calls`,
        ),
      );
    }
    assert.deepEqual(await service.store.get('sized'), []);

    // Metadata counts too, as its JSON text: here mostly escapes, each \" two bytes.
    const quotes = { role: 'user', content: '', metadata: { q: '"'.repeat(MAX_TURN_BYTES / 2) } };
    assertError(await service.call('POST', '/v1/conversations/sized/turns', { body: quotes }), 413, 'TURNSTORE_TURN_TOO_LARGE');

    const before = (await service.call('GET', '/v1/stats')).json.bytes;
    assert.equal((await service.call('POST', '/v1/conversations/sized/turns', { body: fitting })).status, 201);
    assert.equal(
      (await service.call('GET', '/v1/stats')).json.bytes - before,
      MAX_TURN_BYTES,
      'stats count the content and the extras as stored',
    );
    assert.deepEqual(withoutTs((await service.call('GET', '/v1/conversations/sized')).json.turns), [fitting]);
  });
});

describe('the default body limit and rich turns', () => {
  it('a user turn with a data: URL and its reply, each of maxTurnBytes with content that JSON doubles, fit in one body of defaultBodyLimit', async () => {
    // Large enough that 4 × maxTurnBytes + 64 KiB is over the 1 MiB floor, so the formula itself is tested.
    const maxTurnBytes = 400_000;
    const bodyLimit = defaultBodyLimit(maxTurnBytes);
    assert.ok(bodyLimit > 1024 * 1024);
    const service = await inProcess({ bodyLimit, storeOptions: { maxTurnBytes } });
    try {
      const content = '"\\'.repeat(maxTurnBytes / 4); // half the turn, twice as long once escaped in JSON
      const prefix = 'data:audio/wav;base64,';
      const extrasOf = (url: string) => Buffer.byteLength(JSON.stringify({ attachments: [{ mediaType: 'audio/wav', url }] }));
      const url = prefix + 'U'.repeat(maxTurnBytes - Buffer.byteLength(content) - extrasOf(prefix));
      const question = { role: 'user', content, attachments: [{ mediaType: 'audio/wav', url }] };
      const argumentsText = JSON.stringify({ text: 'a "quoted" word '.repeat(3000) });
      const callExtras = Buffer.byteLength(
        JSON.stringify({ toolCalls: [{ id: 'call_1', name: 'transcribe', arguments: argumentsText }], metadata: { pad: '' } }),
      );
      const answer = {
        role: 'assistant',
        content,
        toolCalls: [{ id: 'call_1', name: 'transcribe', arguments: argumentsText }],
        metadata: { pad: 'p'.repeat(maxTurnBytes - Buffer.byteLength(content) - callExtras) },
      };
      const body = JSON.stringify({ turns: [question, answer] });
      assert.ok(Buffer.byteLength(body) > 1024 * 1024, 'the body is past the 1 MiB floor');
      const response = await service.call('POST', '/v1/conversations/big/turns', { body, headers: { 'content-type': 'application/json' } });
      assert.equal(response.status, 201, response.text);
      assert.equal((await service.store.stats()).bytes, 2 * maxTurnBytes, 'both turns are exactly maxTurnBytes as the store counts them');
    } finally {
      await service.close();
    }
  });
});
