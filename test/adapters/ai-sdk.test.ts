import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateText, stepCountIs, tool, type ModelMessage } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { MemoryStore, TurnstoreError } from '../../src/index.js';
import { fromModelMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const stop = { unified: 'stop' as const, raw: 'stop' };
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: stop, usage, warnings: [] });

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TurnstoreError, `not a TurnstoreError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

/** As JSON would keep it: fields set to undefined gone (the SDK's response messages carry some). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Messages → turns → messages. */
const roundTrip = (messages: ModelMessage[]) => toModelMessages(fromModelMessages(messages));

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const PNG_BASE64 = 'iVBORw0KGgoAAAAN';
const image = { type: 'image' as const, image: PNG, mediaType: 'image/png' };

describe('toModelMessages', () => {
  it('maps system, user and assistant turns to messages with string content, without ts', () => {
    assert.deepEqual(
      toModelMessages([
        { role: 'system', content: 'Be brief.', ts: 1 },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ] as never),
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    );
  });

  it('sends tool calls and tool results stored by other code (no metadata): the tool name comes from the call, the output is text', () => {
    const turns = [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' },
          { id: 'c2', name: 'weather', arguments: '{"city":"Rome"' },
        ],
      },
      { role: 'tool', content: '21°C', toolCallId: 'c1' },
      { role: 'tool', content: '25°C', toolCallId: 'c2' },
      { role: 'assistant', content: 'Paris 21°C, Rome 25°C.' },
    ] as const;
    assert.deepEqual(toModelMessages(turns), [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } },
          // Arguments that are not JSON (a model's broken output) go as the text they are.
          { type: 'tool-call', toolCallId: 'c2', toolName: 'weather', input: '{"city":"Rome"' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: '21°C' } },
          { type: 'tool-result', toolCallId: 'c2', toolName: 'weather', output: { type: 'text', value: '25°C' } },
        ],
      },
      { role: 'assistant', content: 'Paris 21°C, Rome 25°C.' },
    ]);
  });

  it("refuses a tool turn without toolCallId, or leaves it out with unsupported: 'drop'", () => {
    const bare = [
      { role: 'user', content: 'q' },
      { role: 'tool', content: '21°C' },
      { role: 'assistant', content: 'a' },
    ] as const;
    throwsCode(
      () => toModelMessages(bare),
      'TURNSTORE_INVALID_TURN',
      /turns\[1\] is a tool turn without a toolCallId.*unsupported: 'drop'/,
    );
    assert.deepEqual(toModelMessages(bare, { unsupported: 'drop' }), [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
  });

  it('leaves out a tool exchange cut in half: results whose call is not before them, and calls not all answered (with the results they have)', () => {
    const call = (id: string) => ({ id, name: 'weather', arguments: '{}' });
    const turns = [
      // maxTurns cut off the assistant turn that made call c0.
      { role: 'tool', content: 'orphan', toolCallId: 'c0' },
      { role: 'assistant', content: 'Both?', toolCalls: [call('c1'), call('c2')] },
      { role: 'tool', content: 'only one', toolCallId: 'c1' },
      { role: 'user', content: 'Paris then.' },
      // Some models reuse call ids from step to step: a result answers the latest call with its id.
      { role: 'assistant', content: '', toolCalls: [call('c1')] },
      { role: 'tool', content: '21°C', toolCallId: 'c1' },
      { role: 'assistant', content: '21°C.' },
      // A call stored before its result came: left out, or the SDK would refuse the whole prompt.
      { role: 'assistant', content: '', toolCalls: [call('c3')] },
    ] as const;
    const expected = [
      { role: 'user', content: 'Paris then.' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: '21°C' } }] },
      { role: 'assistant', content: '21°C.' },
    ];
    assert.deepEqual(toModelMessages(turns), expected);
    assert.deepEqual(toModelMessages(turns, { unsupported: 'drop' }), expected);
  });

  it("refuses attachments on system and tool turns (stored by other code), or sends the turn without them with unsupported: 'drop'", () => {
    const png = { mediaType: 'image/png', url: 'https://x.test/a.png' };
    const turns = [
      { role: 'system', content: 'Be brief.', attachments: [png] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'render', arguments: '{}' }] },
      { role: 'tool', content: 'rendered', toolCallId: 'c1', attachments: [png] },
    ] as const;
    throwsCode(
      () => toModelMessages(turns),
      'TURNSTORE_INVALID_TURN',
      /turns\[0\] is a system turn with attachments, which a system message cannot carry/,
    );
    throwsCode(
      () => toModelMessages(turns.slice(1)),
      'TURNSTORE_INVALID_TURN',
      /turns\[1\] is a tool turn with attachments, which an AI SDK tool result cannot carry/,
    );
    assert.deepEqual(toModelMessages(turns, { unsupported: 'drop' }), [
      { role: 'system', content: 'Be brief.' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'render', input: {} }] },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'render', output: { type: 'text', value: 'rendered' } }],
      },
    ]);
  });

  it('puts adjacent tool turns in one tool message, and starts a new one after another turn or for other providerOptions', () => {
    const call = (id: string) => ({ id, name: 't', arguments: '{}' });
    const result = (id: string, providerOptions?: object) => ({
      role: 'tool' as const,
      content: id,
      toolCallId: id,
      ...(providerOptions ? { metadata: { aiSdk: { providerOptions } } } : {}),
    });
    const messages = toModelMessages([
      { role: 'assistant', content: '', toolCalls: [call('a'), call('b'), call('c')] },
      result('a'),
      result('b'),
      result('c', { p: { x: 1 } }),
      { role: 'assistant', content: '', toolCalls: [call('d')] },
      result('d'),
    ] as never);
    assert.deepEqual(
      messages.map((m) => [
        m.role,
        typeof m.content === 'string' ? m.content : m.content.map((p) => ('toolCallId' in p ? p.toolCallId : p.type)).join(','),
      ]),
      [
        ['assistant', 'a,b,c'],
        ['tool', 'a,b'],
        ['tool', 'c'],
        ['assistant', 'd'],
        ['tool', 'd'],
      ],
    );
    assert.deepEqual((messages[2] as { providerOptions?: unknown }).providerOptions, { p: { x: 1 } });
  });

  it('refuses bad input and options', () => {
    throwsCode(() => toModelMessages('hi' as never), 'TURNSTORE_INVALID_TURN', /turns must be an array/);
    throwsCode(() => toModelMessages([{ role: 'developer', content: 'x' }] as never), 'TURNSTORE_INVALID_TURN', /turns\[0\] must be/);
    throwsCode(() => toModelMessages([null] as never), 'TURNSTORE_INVALID_TURN', /turns\[0\] must be/);
    throwsCode(
      () => toModelMessages([{ role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: {} }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /turns\[0\]\.toolCalls must be/,
    );
    throwsCode(
      () => toModelMessages([{ role: 'user', content: '', attachments: [{ url: 'https://x' }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /turns\[0\]\.attachments must be/,
    );
    throwsCode(
      () => toModelMessages([{ role: 'user', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: '{}' }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /toModelMessages: turns\[0\] \(role user\) has toolCalls/,
    );
    throwsCode(
      () => toModelMessages([{ role: 'assistant', content: '', toolCallId: 'c1' }] as never),
      'TURNSTORE_INVALID_TURN',
      /toModelMessages: turns\[0\] \(role assistant\) has toolCallId "c1"/,
    );
    throwsCode(
      () => toModelMessages([{ role: 'tool', content: '', toolCallId: 7 }] as never),
      'TURNSTORE_INVALID_TURN',
      /turns\[0\] \(role tool\) has toolCallId 7/,
    );
    throwsCode(() => toModelMessages([], { unsupported: 'skip' } as never), 'TURNSTORE_INVALID_OPTION', /option "unsupported"/);
    throwsCode(() => toModelMessages([], { drop: true } as never), 'TURNSTORE_INVALID_OPTION', /unknown option "drop"/);
  });
});

describe('fromModelMessages', () => {
  it('keeps string content and joins text parts with nothing between', () => {
    assert.deepEqual(
      fromModelMessages([
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hello, ' },
            { type: 'text', text: 'there.' },
          ],
        },
        { role: 'assistant', content: 'Hi!' },
        { role: 'assistant', content: [] },
      ]),
      [
        { role: 'system', content: 'Be brief.' },
        // Two text parts: their lengths are kept, so they read back as two parts.
        {
          role: 'user',
          content: 'Hello, there.',
          metadata: {
            aiSdk: {
              parts: [
                { type: 'text', length: 7 },
                { type: 'text', length: 6 },
              ],
            },
          },
        },
        { role: 'assistant', content: 'Hi!' },
        { role: 'assistant', content: '' },
      ],
    );
  });

  it('always leaves reasoning out; a message of reasoning alone leaves no turn', () => {
    assert.deepEqual(
      fromModelMessages([
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'They want brevity.' },
            { type: 'text', text: 'OK.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'Only thinking.' }] },
      ]),
      [{ role: 'assistant', content: 'OK.' }],
    );
  });

  it('maps tool-call parts to toolCalls and each tool-result part to a tool turn, its output type in metadata', () => {
    const messages: ModelMessage[] = [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'forecast', input: { city: 'Rome', days: [1, 2] } },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'json', value: { celsius: 21 } } },
          { type: 'tool-result', toolCallId: 'c2', toolName: 'forecast', output: { type: 'text', value: 'sunny' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris 21°C; Rome sunny.' }] },
    ];
    const turns = fromModelMessages(messages);
    assert.deepEqual(turns, [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' },
          { id: 'c2', name: 'forecast', arguments: '{"city":"Rome","days":[1,2]}' },
        ],
      },
      // The tool name is the call's; only an output type other than text needs metadata.
      { role: 'tool', content: '{"celsius":21}', toolCallId: 'c1', metadata: { aiSdk: { output: { type: 'json' } } } },
      { role: 'tool', content: 'sunny', toolCallId: 'c2' },
      { role: 'assistant', content: 'Paris 21°C; Rome sunny.' },
    ]);
    // Read back: the same messages (text-only content comes back as a string).
    const back = toModelMessages(turns);
    assert.deepEqual(back, [...messages.slice(0, 3), { role: 'assistant', content: 'Paris 21°C; Rome sunny.' }]);
  });

  it('keeps every output type, its fields and the providerOptions of messages and parts', () => {
    const outputs = [
      { type: 'text', value: '' },
      { type: 'text', value: 'plain', providerOptions: { p: { cache: true } } },
      { type: 'json', value: 'a JSON string' },
      { type: 'json', value: null },
      { type: 'json', value: [1, { a: 'b' }] },
      { type: 'error-text', value: 'boom' },
      { type: 'error-json', value: { message: 'boom' } },
      {
        type: 'content',
        value: [
          { type: 'text', text: 'see' },
          { type: 'media', data: PNG_BASE64, mediaType: 'image/png' },
        ],
      },
      { type: 'execution-denied' },
      { type: 'execution-denied', reason: 'not allowed' },
    ] as const;
    const messages = [
      { role: 'system', content: 'sys', providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } },
      {
        role: 'assistant',
        content: outputs.map((_, i) => ({
          type: 'tool-call',
          toolCallId: `c${i}`,
          toolName: 't',
          input: {},
          ...(i === 1 ? { providerOptions: { google: { thoughtSignature: 'sig' } } } : {}),
        })),
        providerOptions: { openai: { itemId: 'msg_1' } },
      },
      {
        role: 'tool',
        content: outputs.map((output, i) => ({
          type: 'tool-result',
          toolCallId: `c${i}`,
          toolName: 't',
          output,
          ...(i === 2 ? { providerOptions: { p: { q: 1 } } } : {}),
        })),
        providerOptions: { p: { tool: true } },
      },
    ] as unknown as ModelMessage[];
    assert.deepEqual(roundTrip(messages), messages);
  });

  it('keeps images and files as attachments, and reads them back as parts the SDK takes', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What are these?' },
          image,
          { type: 'image', image: PNG_BASE64, mediaType: 'image/png' },
          { type: 'image', image: new URL('https://example.com/cat.jpg'), mediaType: 'image/jpeg' },
          { type: 'file', data: new Uint8Array([37, 80, 68, 70]), mediaType: 'application/pdf', filename: 'a.pdf' },
          { type: 'file', data: 'data:text/plain;base64,aGk=', mediaType: 'text/plain' },
        ],
      },
    ] as ModelMessage[];
    const turns = fromModelMessages(messages);
    assert.deepEqual(turns[0]!.attachments, [
      { mediaType: 'image/png', url: `data:image/png;base64,${PNG_BASE64}` },
      { mediaType: 'image/png', url: `data:image/png;base64,${PNG_BASE64}` },
      { mediaType: 'image/jpeg', url: 'https://example.com/cat.jpg' },
      { mediaType: 'application/pdf', url: 'data:application/pdf;base64,JVBERg==' },
      { mediaType: 'text/plain', url: 'data:text/plain;base64,aGk=' },
    ]);
    assert.deepEqual(toModelMessages(turns), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What are these?' },
          { type: 'image', image: `data:image/png;base64,${PNG_BASE64}`, mediaType: 'image/png' },
          { type: 'image', image: `data:image/png;base64,${PNG_BASE64}`, mediaType: 'image/png' },
          { type: 'image', image: 'https://example.com/cat.jpg', mediaType: 'image/jpeg' },
          { type: 'file', data: 'data:application/pdf;base64,JVBERg==', mediaType: 'application/pdf', filename: 'a.pdf' },
          { type: 'file', data: 'data:text/plain;base64,aGk=', mediaType: 'text/plain' },
        ],
      },
    ]);
  });

  it('keeps the order of parts, an image sent as a file part, and an image without a media type', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'image', image: 'https://example.com/photo' },
          { type: 'text', text: 'Compare with ' },
          { type: 'file', data: 'https://example.com/b.png', mediaType: 'image/png' },
          { type: 'text', text: '.', providerOptions: { p: { x: 1 } } },
          { type: 'image', image: PNG },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'file', data: PNG_BASE64, mediaType: 'image/png' },
          { type: 'text', text: 'Drawn.' },
        ],
      },
    ] as ModelMessage[];
    const turns = fromModelMessages(messages);
    // The media type of an image without one: from its bytes, else application/octet-stream; read back without one.
    assert.deepEqual(
      turns[0]!.attachments!.map((a) => a.mediaType),
      ['application/octet-stream', 'image/png', 'image/png'],
    );
    assert.deepEqual(toModelMessages(turns), [
      {
        role: 'user',
        content: [
          { type: 'image', image: 'https://example.com/photo' },
          { type: 'text', text: 'Compare with ' },
          { type: 'file', data: 'https://example.com/b.png', mediaType: 'image/png' },
          { type: 'text', text: '.', providerOptions: { p: { x: 1 } } },
          { type: 'image', image: `data:image/png;base64,${PNG_BASE64}` },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'file', data: `data:image/png;base64,${PNG_BASE64}`, mediaType: 'image/png' },
          { type: 'text', text: 'Drawn.' },
        ],
      },
    ]);
  });

  it("keeps ai 7's file parts: a top-level media type ('image', 'image/*') and tagged data ({type: 'data'}, {type: 'url'})", () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'file', mediaType: 'image', data: PNG },
          { type: 'file', mediaType: 'image/*', data: { type: 'url', url: new URL('https://example.com/cat.jpg') } },
          { type: 'file', mediaType: 'application/pdf', data: { type: 'data', data: 'JVBERi0xLjc=' }, filename: 'a.pdf' },
        ],
      },
    ] as unknown as ModelMessage[];
    const turns = fromModelMessages(messages);
    // The attachment's type is the one the data shows (bytes, a data: URL) or application/octet-stream.
    assert.deepEqual(turns[0]!.attachments, [
      { mediaType: 'image/png', url: `data:image/png;base64,${PNG_BASE64}` },
      { mediaType: 'application/octet-stream', url: 'https://example.com/cat.jpg' },
      { mediaType: 'application/pdf', url: 'data:application/pdf;base64,JVBERi0xLjc=' },
    ]);
    // Read back with the media type the part came with; the data as the URL (the SDK takes it).
    assert.deepEqual(toModelMessages(turns), [
      {
        role: 'user',
        content: [
          { type: 'file', data: `data:image/png;base64,${PNG_BASE64}`, mediaType: 'image' },
          { type: 'file', data: 'https://example.com/cat.jpg', mediaType: 'image/*' },
          { type: 'file', data: 'data:application/pdf;base64,JVBERi0xLjc=', mediaType: 'application/pdf', filename: 'a.pdf' },
        ],
      },
    ]);
    // A provider reference or inline text is not a URL a turn can hold.
    for (const data of [
      { type: 'reference', reference: { openai: 'file_1' } },
      { type: 'text', text: 'hello' },
    ]) {
      throwsCode(
        () =>
          fromModelMessages([{ role: 'user', content: [{ type: 'file', mediaType: 'text/plain', data }] }] as unknown as ModelMessage[]),
        'TURNSTORE_INVALID_TURN',
        /holds a "file" part \(content\[0\]\) with data that is neither a URL, base64 text nor bytes/,
      );
    }
  });

  it('leaves reasoning-file parts out, like reasoning', () => {
    const turns = fromModelMessages([
      {
        role: 'assistant',
        content: [
          { type: 'reasoning-file', mediaType: 'image/png', data: { type: 'data', data: PNG } },
          { type: 'text', text: 'Done.' },
        ],
      },
    ] as unknown as ModelMessage[]);
    assert.deepEqual(turns, [{ role: 'assistant', content: 'Done.' }]);
  });

  it('refuses what a turn cannot hold by default, naming the message and part', () => {
    throwsCode(
      () =>
        fromModelMessages([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'file', data: new URL('gs://bucket/a.pdf'), mediaType: 'application/pdf' },
            ],
          },
        ]),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(user\) holds a "file" part \(content\[1\]\) with a gs: URL.*unsupported: 'drop'/,
    );
    throwsCode(
      () =>
        fromModelMessages([
          {
            role: 'assistant',
            content: [{ type: 'tool-call', toolCallId: 's1', toolName: 'web_search', input: {}, providerExecuted: true }],
          },
        ]),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(assistant\) holds a provider-executed "tool-call" part \(content\[0\], tool web_search\)/,
    );
    throwsCode(
      () =>
        fromModelMessages([
          {
            role: 'assistant',
            content: [{ type: 'tool-result', toolCallId: 's1', toolName: 'web_search', output: { type: 'json', value: [] } }],
          },
        ]),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(assistant\) holds a "tool-result" part \(content\[0\], tool web_search\)/,
    );
    throwsCode(
      () =>
        fromModelMessages([
          { role: 'assistant', content: [{ type: 'tool-approval-request', approvalId: 'a1', toolCallId: 'c1' }] },
        ] as never),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(assistant\) holds a "tool-approval-request" part/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'a1', approved: true }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(tool\) holds a "tool-approval-response" part \(content\[0\]\)/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'user', content: [{ type: 'file', data: 'aGk=', mediaType: 'text/plain; charset=utf-8' }] }]),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(user\) holds a "file" part \(content\[0\]\) with media type "text\/plain; charset=utf-8", which is not "type\/subtype"/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'user', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 't', input: {} }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /\(user\) holds a "tool-call" part/,
    );
  });

  it("with unsupported: 'drop' keeps the rest and leaves out messages with nothing left", () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Search this.' },
          { type: 'file', data: new URL('gs://b/a.pdf'), mediaType: 'application/pdf' },
          { type: 'image', image: 'aGk=', mediaType: 'image png' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 's1', toolName: 'web_search', input: {}, providerExecuted: true },
          { type: 'tool-result', toolCallId: 's1', toolName: 'web_search', output: { type: 'json', value: [] } },
          { type: 'tool-approval-request', approvalId: 'a1', toolCallId: 'c1' },
        ],
      },
      { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'a1', approved: true }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Found it.' }] },
    ] as unknown as ModelMessage[];
    assert.deepEqual(fromModelMessages(messages, { unsupported: 'drop' }), [
      { role: 'user', content: 'Search this.' },
      { role: 'assistant', content: 'Found it.' },
    ]);
  });

  it('refuses what is not an AI SDK message', () => {
    throwsCode(() => fromModelMessages('hi' as never), 'TURNSTORE_INVALID_TURN', /messages must be an array/);
    throwsCode(
      () => fromModelMessages([{ role: 'function', content: 'x' }] as never),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] must be an AI SDK message .* got "function"/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'system', content: [{ type: 'text', text: 'x' }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /expected a string/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'user', content: [{ type: 'text', text: 3 }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /text part whose text is 3/,
    );
    throwsCode(() => fromModelMessages([{ role: 'user', content: 7 }] as never), 'TURNSTORE_INVALID_TURN', /content 7/);
    throwsCode(
      () => fromModelMessages([{ role: 'user', content: [{ type: 'file', data: 'aGk=', mediaType: 3 }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /content\[0\] is a file part whose mediaType is 3/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'tool', content: 'x' }] as never),
      'TURNSTORE_INVALID_TURN',
      /\(tool\) has content "x"; expected an array of tool-result parts/,
    );
    throwsCode(
      () =>
        fromModelMessages([{ role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 't', input: 1n }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /input cannot be written as JSON/,
    );
    throwsCode(
      () =>
        fromModelMessages([
          { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 't', input: undefined }] },
        ] as never),
      'TURNSTORE_INVALID_TURN',
      /input is undefined, which JSON cannot hold/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'assistant', content: [{ type: 'tool-call', toolCallId: 7, toolName: 't', input: {} }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /toolCallId is 7/,
    );
    throwsCode(
      () =>
        fromModelMessages([{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 't', output: 'x' }] }] as never),
      'TURNSTORE_INVALID_TURN',
      /output is "x"; expected \{type, value\}/,
    );
    throwsCode(
      () =>
        fromModelMessages([
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 't', output: { type: 'text', value: 1 } }] },
        ] as never),
      'TURNSTORE_INVALID_TURN',
      /text output has value 1/,
    );
  });

  it('a stored turn whose layout no longer fits is read the plain way', () => {
    const turn = {
      role: 'user',
      content: 'edited',
      attachments: [{ mediaType: 'image/png', url: 'https://x.test/a.png' }],
      metadata: { aiSdk: { parts: [{ type: 'text', length: 2 }, { type: 'image' }] } },
    } as const;
    assert.deepEqual(toModelMessages([turn]), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'edited' },
          { type: 'image', image: 'https://x.test/a.png', mediaType: 'image/png' },
        ],
      },
    ]);
    const plainReading = toModelMessages([turn]);
    for (const parts of [
      [
        { type: 'text', length: 6 },
        { type: 'file', filename: 7 },
      ],
      [{ type: 'text', length: 6, providerOptions: 'x' }, { type: 'image' }],
      [{ type: 'text', length: 6 }, { type: 'audio' }],
      'parts',
    ]) {
      assert.deepEqual(toModelMessages([{ ...turn, metadata: { aiSdk: { parts } } }] as never), plainReading, JSON.stringify(parts));
    }
  });
});

describe('with generateText and the SDK mock model', () => {
  it('a stored plain exchange is sent to the model on the next call', async () => {
    const memory = new MemoryStore({ maxTurns: 50 });
    const model = new MockLanguageModelV3({ doGenerate: [reply('Hello, Ada.'), reply('You are Ada.')] });
    const asked: ModelMessage = { role: 'user', content: 'Hi, I am Ada.' };
    const first = await generateText({ model, system: 'You are terse.', messages: [asked] });
    await memory.appendMany('c1', fromModelMessages([asked, ...first.response.messages]));
    await generateText({
      model,
      system: 'You are terse.',
      messages: [...toModelMessages(await memory.get('c1')), { role: 'user', content: 'Who am I?' }],
    });
    assert.deepEqual(plain(model.doGenerateCalls[1]!.prompt), [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi, I am Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello, Ada.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Who am I?' }] },
    ]);
    await memory.close();
  });

  it("when the store's maxTurns cuts a tool exchange, the next call gets what is left without the orphaned results", async () => {
    const memory = new MemoryStore({ maxTurns: 3 });
    const model = new MockLanguageModelV3({
      doGenerate: [
        {
          content: [
            { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: '{"city":"Paris"}' },
            { type: 'tool-call', toolCallId: 'c2', toolName: 'weather', input: '{"city":"Rome"}' },
          ],
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage,
          warnings: [],
        },
        reply('Paris 21°C, Rome 21°C.'),
        reply('You are welcome.'),
      ],
    });
    const tools = { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => '21°C' }) };
    const asked: ModelMessage = { role: 'user', content: 'Weather in Paris and Rome?' };
    const result = await generateText({ model, tools, messages: [asked], stopWhen: stepCountIs(3) });
    await memory.appendMany('c1', fromModelMessages([asked, ...result.response.messages]));
    // user, assistant (calls), tool, tool, assistant: the cap kept the last three.
    assert.deepEqual(
      (await memory.get('c1')).map((t) => t.role),
      ['tool', 'tool', 'assistant'],
    );
    await generateText({ model, tools, messages: [...toModelMessages(await memory.get('c1')), { role: 'user', content: 'Thanks.' }] });
    assert.deepEqual(plain(model.doGenerateCalls[2]!.prompt), [
      { role: 'assistant', content: [{ type: 'text', text: 'Paris 21°C, Rome 21°C.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Thanks.' }] },
    ]);
    await memory.close();
  });
});
