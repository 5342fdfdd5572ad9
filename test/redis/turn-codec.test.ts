import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkExtras } from '../../src/core/turn-extras.js';
import { ROLES, type Role, type TurnExtras } from '../../src/core/types.js';
import { decodeTurn, decodeTurns, turnBody, turnHeader } from '../../src/redis/turn-codec.js';
import { OLD_ELEMENTS, OLD_TURNS } from './old-elements.js';

/** What the append script stores for one turn: header start, the server time in ms, a space, the body. */
function asStored(role: Role, content: string, extra: TurnExtras | undefined, timeMs: number): string {
  const extras = checkExtras(role, extra);
  return `${turnHeader(ROLES.indexOf(role), extras)}${timeMs} ${turnBody(content, extras)}`;
}

describe('Redis turn codec', () => {
  it('decodes the elements the codec before extras wrote, to exactly {role, content, ts}', () => {
    const turns = decodeTurns(OLD_ELEMENTS);
    assert.deepEqual(turns, OLD_TURNS);
    for (const turn of turns) assert.deepEqual(Object.keys(turn), ['role', 'content', 'ts']);
  });

  it('writes a plain turn exactly as before: the role digit, the time, a space, the content', () => {
    for (let i = 0; i < OLD_ELEMENTS.length; i++) {
      const { role, content, ts } = OLD_TURNS[i]!;
      assert.equal(asStored(role as Role, content, undefined, Math.round(ts * 1000)), OLD_ELEMENTS[i]);
      // Empty extras are none: still the plain layout.
      assert.equal(asStored(role as Role, content, { attachments: [], metadata: {} }, Math.round(ts * 1000)), OLD_ELEMENTS[i]);
    }
  });

  it('writes a turn with extras as shifted digit, JSON length, time, then JSON and content — the part after the first space is what its size counts', () => {
    const extra = { toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Zürich"}' }], metadata: { model: 'm' } };
    const element = asStored('assistant', 'Let me check 🌧', extra, 1796327935737);
    const json = '{"toolCalls":[{"id":"c1","name":"weather","arguments":"{\\"city\\":\\"Zürich\\"}"}],"metadata":{"model":"m"}}';
    assert.equal(element, `5${json.length}:1796327935737 ${json}Let me check 🌧`);
    const body = element.slice(element.indexOf(' ') + 1);
    assert.equal(Buffer.byteLength(body), Buffer.byteLength('Let me check 🌧') + Buffer.byteLength(json));
  });

  it('round-trips every field on every role, with non-ASCII text where the JSON length (UTF-16) differs from its bytes', () => {
    const cases: Array<[Role, string, TurnExtras]> = [
      [
        'assistant',
        '',
        {
          toolCalls: [
            { id: 'call_1', name: 'get_weather', arguments: '{"city": "東京"}' },
            { id: 'call_2', name: 'x', arguments: 'not json {' },
          ],
        },
      ],
      ['tool', '{"temp": 7}', { toolCallId: 'call_1' }],
      [
        'user',
        'What is in this picture? 😀 1234:56 x',
        {
          attachments: [
            { mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { mediaType: 'application/pdf', url: 'https://example.com/a b.pdf' },
          ],
        },
      ],
      [
        'system',
        ' leading space',
        { metadata: { id: 'msg-😀', usage: { input: 12, output: 3.5 }, tags: ['a', null, true], nested: { deeper: [{ x: '}' }] } } },
      ],
      [
        'assistant',
        'all',
        {
          toolCalls: [{ id: 'c', name: 'n', arguments: '{}' }],
          attachments: [{ mediaType: 'audio/wav', url: 'http://h/x.wav' }],
          metadata: { k: 'v' },
        },
      ],
    ];
    for (const [role, content, extra] of cases) {
      const turn = decodeTurn(asStored(role, content, extra, 1796327935001));
      assert.deepEqual(turn, { role, content, ts: 1796327935.001, ...extra });
      // The fields come in the stored order, after role, content and ts.
      const order = ['role', 'content', 'ts', 'toolCalls', 'toolCallId', 'attachments', 'metadata'];
      assert.deepEqual(
        Object.keys(turn),
        order.filter((key) => key in turn),
      );
      assert.ok(!Object.isFrozen(turn), 'the turn object is fresh');
      for (const key of ['toolCalls', 'attachments', 'metadata'] as const) {
        if (turn[key] !== undefined) assert.ok(Object.isFrozen(turn[key]), `${key} frozen`);
      }
    }
  });
});
