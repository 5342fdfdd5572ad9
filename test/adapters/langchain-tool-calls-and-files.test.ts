/**
 * What the LangChain adapter keeps beside text: tool calls (args objects ↔ JSON text), the call a
 * tool result answers, file content blocks in each of LangChain's shapes ↔ attachments, and the
 * history's treatment of tool results whose call the store's cap cut off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { MemoryStore, TurnstoreError } from '../../src/index.js';
import { TurnstoreChatMessageHistory, fromLangChainMessages, toLangChainMessages } from '../../src/adapters/langchain/index.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PDF = 'JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==';

describe('LangChain tool calls ↔ toolCalls', () => {
  it('stores tool_calls with their args as JSON text, and reads them back as the same objects', () => {
    const args = { city: 'Paris', when: { day: 'tomorrow', hours: [9, 12] }, units: null, note: 'naïve "quotes" ☀' };
    const message = new AIMessage({
      content: 'Let me check.',
      id: 'resp_1',
      tool_calls: [
        { type: 'tool_call', id: 'call_1', name: 'weather', args },
        { type: 'tool_call', id: 'call_2', name: 'clock', args: {} },
      ],
    });
    const [turn] = fromLangChainMessages([message]);
    assert.deepEqual(turn, {
      role: 'assistant',
      content: 'Let me check.',
      toolCalls: [
        { id: 'call_1', name: 'weather', arguments: JSON.stringify(args) },
        { id: 'call_2', name: 'clock', arguments: '{}' },
      ],
      metadata: { id: 'resp_1' },
    });
    const [back] = toLangChainMessages([turn!]) as [AIMessage];
    assert.ok(back instanceof AIMessage);
    assert.deepEqual(back.tool_calls, message.tool_calls);
    assert.deepEqual(back.invalid_tool_calls, []);
    assert.deepEqual([back.content, back.id], ['Let me check.', 'resp_1']);
  });

  it('an empty tool_calls list is a plain turn', () => {
    assert.deepEqual(fromLangChainMessages([new AIMessage({ content: 'Hi', tool_calls: [], invalid_tool_calls: [] })]), [
      { role: 'assistant', content: 'Hi' },
    ]);
  });

  it('keeps invalid_tool_calls with their text verbatim; arguments that are not a JSON object read back as invalid calls', () => {
    const message = new AIMessage({
      content: '',
      tool_calls: [{ id: 'call_ok', name: 'weather', args: { city: 'Oslo' } }],
      invalid_tool_calls: [
        { type: 'invalid_tool_call', id: 'call_bad', name: 'weather', args: '{"city": "Oslo"', error: 'Unexpected end of JSON input' },
      ],
    });
    const [turn] = fromLangChainMessages([message]);
    assert.deepEqual(turn!.toolCalls, [
      { id: 'call_ok', name: 'weather', arguments: '{"city":"Oslo"}' },
      { id: 'call_bad', name: 'weather', arguments: '{"city": "Oslo"' },
    ]);
    const [back, others] = toLangChainMessages([
      turn!,
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'f', arguments: '[1,2]' },
          { id: 'b', name: 'f', arguments: 'null' },
          { id: 'c', name: 'f', arguments: '' },
        ],
      },
    ]) as AIMessage[];
    assert.deepEqual(back!.tool_calls, [{ type: 'tool_call', id: 'call_ok', name: 'weather', args: { city: 'Oslo' } }]);
    assert.equal(back!.invalid_tool_calls!.length, 1);
    const [invalid] = back!.invalid_tool_calls!;
    assert.deepEqual(
      [invalid!.type, invalid!.id, invalid!.name, invalid!.args],
      ['invalid_tool_call', 'call_bad', 'weather', '{"city": "Oslo"'],
    );
    assert.match(invalid!.error!, /not valid JSON/);
    assert.deepEqual(others!.tool_calls, []);
    assert.deepEqual(
      others!.invalid_tool_calls!.map((c) => [
        c.id,
        c.args,
        /not an object/.test(c.error!) ? 'not an object' : /not valid JSON/.test(c.error!) ? 'not JSON' : c.error,
      ]),
      [
        ['a', '[1,2]', 'not an object'],
        ['b', 'null', 'not an object'],
        ['c', '', 'not JSON'],
      ],
    );
  });

  it('refuses args that cannot be written as JSON, naming the call', () => {
    assert.throws(
      () =>
        fromLangChainMessages([new AIMessage({ content: '', tool_calls: [{ id: 'c', name: 'f', args: { n: 10n } }] })], {
          unsupported: 'drop',
        }),
      (error: unknown) => {
        assert.ok(error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN');
        assert.match(error.message, /messages\[0\] \(ai\): tool_calls\[0\]\.args cannot be written as JSON/);
        return true;
      },
    );
  });

  it("keeps a ToolMessage's tool_call_id; a tool_use block repeating a kept call is not refused or stored twice", () => {
    // Anthropic's AI messages carry each call twice: a tool_use content block and an entry in tool_calls.
    const anthropicStyle = new AIMessage({
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'sig' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Rome' } },
      ],
      tool_calls: [{ id: 'toolu_1', name: 'weather', args: { city: 'Rome' } }],
    });
    const turns = fromLangChainMessages([anthropicStyle, new ToolMessage({ content: '25°C', tool_call_id: 'toolu_1' })]);
    assert.deepEqual(turns, [
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: '{"city":"Rome"}' }] },
      { role: 'tool', content: '25°C', toolCallId: 'toolu_1' },
    ]);
    // A tool_use block whose call is not in tool_calls is not covered: refused by default.
    assert.throws(
      () =>
        fromLangChainMessages([new AIMessage({ content: [{ type: 'tool_use', id: 'toolu_9', name: 'x', input: {} }], tool_calls: [] })]),
      /"tool_use" content block/,
    );
  });

  it('an AI message built from v1 contentBlocks (reasoning, text, tool_call blocks) keeps its text and calls once', () => {
    const message = new AIMessage({
      contentBlocks: [
        { type: 'reasoning', reasoning: 'hmm' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_call', id: 'c1', name: 'f', args: { a: 1 } },
      ],
    });
    const turns = fromLangChainMessages([message]);
    assert.deepEqual(turns, [{ role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":1}' }] }]);
    assert.deepEqual(toLangChainMessages(turns)[0]!.contentBlocks, [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_call', id: 'c1', name: 'f', args: { a: 1 } },
    ]);
  });

  it('a chunk assembled from a stream keeps its calls', () => {
    const chunk = new AIMessageChunk({
      content: '',
      tool_call_chunks: [{ type: 'tool_call_chunk', id: 'call_s', name: 'weather', args: '{"city":', index: 0 }],
    }).concat(new AIMessageChunk({ content: '', tool_call_chunks: [{ type: 'tool_call_chunk', args: '"Lima"}', index: 0 }] }));
    assert.deepEqual(fromLangChainMessages([chunk])[0]!.toolCalls, [{ id: 'call_s', name: 'weather', arguments: '{"city":"Lima"}' }]);
  });
});

describe('LangChain file content blocks ↔ attachments', () => {
  const cases: Array<{ name: string; block: Record<string, unknown>; attachment: { mediaType: string; url: string } }> = [
    {
      name: 'image_url with a data: URL',
      block: { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
      attachment: { mediaType: 'image/png', url: `data:image/png;base64,${PNG}` },
    },
    {
      name: 'image_url as a bare string, type from the extension',
      block: { type: 'image_url', image_url: 'https://example.com/cats/tabby.JPG?size=2' },
      attachment: { mediaType: 'image/jpeg', url: 'https://example.com/cats/tabby.JPG?size=2' },
    },
    {
      name: 'OpenAI input_audio',
      block: { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
      attachment: { mediaType: 'audio/wav', url: 'data:audio/wav;base64,UklGRg==' },
    },
    {
      name: 'OpenAI file with file_data',
      block: { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
      attachment: { mediaType: 'application/pdf', url: `data:application/pdf;base64,${PDF}` },
    },
    {
      name: 'v1 image with url and mimeType',
      block: { type: 'image', url: 'https://example.com/photo', mimeType: 'image/webp' },
      attachment: { mediaType: 'image/webp', url: 'https://example.com/photo' },
    },
    {
      name: 'v1 image with base64 data',
      block: { type: 'image', data: PNG, mimeType: 'image/png' },
      attachment: { mediaType: 'image/png', url: `data:image/png;base64,${PNG}` },
    },
    {
      name: 'v1 file with bytes',
      block: { type: 'file', data: new Uint8Array([0x25, 0x50, 0x44, 0x46]), mimeType: 'application/pdf' },
      attachment: { mediaType: 'application/pdf', url: 'data:application/pdf;base64,JVBERg==' },
    },
    {
      name: 'v1 audio with a mimeType that has parameters',
      block: { type: 'audio', url: 'https://example.com/a', mimeType: 'Audio/OGG; codecs=opus' },
      attachment: { mediaType: 'audio/ogg', url: 'https://example.com/a' },
    },
    {
      name: 'v1 video',
      block: { type: 'video', url: 'https://example.com/clip.mp4' },
      attachment: { mediaType: 'video/mp4', url: 'https://example.com/clip.mp4' },
    },
    {
      name: 'v1 file by URL of unknown type',
      block: { type: 'file', url: 'https://example.com/download?id=7' },
      attachment: { mediaType: 'application/octet-stream', url: 'https://example.com/download?id=7' },
    },
    {
      name: 'data block, source_type url',
      block: { type: 'image', source_type: 'url', url: 'https://example.com/x.gif' },
      attachment: { mediaType: 'image/gif', url: 'https://example.com/x.gif' },
    },
    {
      name: 'data block, source_type base64',
      block: { type: 'file', source_type: 'base64', data: PDF, mime_type: 'application/pdf' },
      attachment: { mediaType: 'application/pdf', url: `data:application/pdf;base64,${PDF}` },
    },
    {
      name: 'Anthropic image, base64 source',
      block: { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      attachment: { mediaType: 'image/png', url: `data:image/png;base64,${PNG}` },
    },
    {
      name: 'Anthropic document, url source',
      block: { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } },
      attachment: { mediaType: 'application/pdf', url: 'https://example.com/paper.pdf' },
    },
  ];
  for (const { name, block, attachment } of cases) {
    it(`keeps ${name}`, () => {
      const [turn] = fromLangChainMessages([new HumanMessage({ content: [{ type: 'text', text: 'See this.' }, block] as never })]);
      assert.deepEqual(turn, { role: 'user', content: 'See this.', attachments: [attachment] });
    });
  }

  it('reads attachments back as data blocks with source_type, which LangChain turns into the same v1 blocks as what was sent', () => {
    const sent = new HumanMessage({
      content: [
        { type: 'text', text: 'Compare these.' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'image', url: 'https://example.com/b.png', mimeType: 'image/png' },
        { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
        { type: 'file', data: PDF, mimeType: 'application/pdf' },
      ],
    });
    const turns = fromLangChainMessages([sent]);
    const [back] = toLangChainMessages(turns);
    assert.deepEqual(back!.content, [
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source_type: 'base64', data: PNG, mime_type: 'image/png' },
      { type: 'image', source_type: 'url', url: 'https://example.com/b.png', mime_type: 'image/png' },
      { type: 'audio', source_type: 'base64', data: 'UklGRg==', mime_type: 'audio/wav' },
      { type: 'file', source_type: 'base64', data: PDF, mime_type: 'application/pdf' },
    ]);
    const standard = (message: BaseMessage) =>
      message.contentBlocks.map((block) => Object.fromEntries(Object.entries(block).filter(([, value]) => value !== undefined)));
    assert.deepEqual(standard(back!), standard(sent));
    // Read back and stored again, it is the same turn.
    assert.deepEqual(fromLangChainMessages([back!]), turns);
  });

  it('a message of files alone reads back without an empty text block; files on AI and tool messages too', () => {
    const turns = fromLangChainMessages([
      new HumanMessage({ content: [{ type: 'image', url: 'https://example.com/a.png' }] }),
      new AIMessage({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }], id: 'img_1' }),
      new ToolMessage({
        content: [
          { type: 'text', text: 'chart:' },
          { type: 'image', data: PNG, mimeType: 'image/png' },
        ],
        tool_call_id: 'call_chart',
      }),
    ]);
    assert.deepEqual(
      turns.map((t) => [t.role, t.content, t.attachments?.length, t.toolCallId]),
      [
        ['user', '', 1, undefined],
        ['assistant', '', 1, undefined],
        ['tool', 'chart:', 1, 'call_chart'],
      ],
    );
    const back = toLangChainMessages(turns);
    assert.deepEqual(back[0]!.content, [{ type: 'image', source_type: 'url', url: 'https://example.com/a.png', mime_type: 'image/png' }]);
    assert.equal(back[1]!.id, 'img_1');
    assert.equal((back[2] as ToolMessage).tool_call_id, 'call_chart');
    assert.equal((back[2]!.content as Array<{ type: string }>).length, 2);
    // A non-base64 data: URL is kept as a URL.
    assert.deepEqual(
      toLangChainMessages([
        { role: 'user', content: '', attachments: [{ mediaType: 'text/plain', url: 'data:text/plain,hello%20world' }] },
      ])[0]!.content,
      [{ type: 'file', source_type: 'url', url: 'data:text/plain,hello%20world', mime_type: 'text/plain' }],
    );
  });

  it('refuses files it cannot keep (provider-side ids, inline text, an image of unknown type), or drops them on request', () => {
    const cannot = [
      { block: { type: 'file', file: { file_id: 'file-1' } }, why: /names a provider-side file/ },
      { block: { type: 'image', fileId: 'file-2' }, why: /names a provider-side file \(fileId\)/ },
      { block: { type: 'file', source_type: 'id', id: 'file-3' }, why: /source_type "id"/ },
      { block: { type: 'text-plain', text: 'inline notes', mimeType: 'text/plain' }, why: /inline text/ },
      { block: { type: 'image_url', image_url: { url: 'https://example.com/render?id=3' } }, why: /media type turnstore cannot tell/ },
      { block: { type: 'image', data: PNG }, why: /base64 data but no media type/ },
      { block: { type: 'image', source: { type: 'file', file_id: 'f' } }, why: /a "file" source/ },
    ];
    for (const { block, why } of cannot) {
      const message = new HumanMessage({ content: [{ type: 'text', text: 'x' }, block] as never });
      assert.throws(
        () => fromLangChainMessages([message]),
        (error: unknown) => error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN' && why.test(error.message),
        JSON.stringify(block),
      );
      assert.deepEqual(fromLangChainMessages([message], { unsupported: 'drop' }), [{ role: 'user', content: 'x' }]);
    }
  });

  it('a media type the store does not accept is refused by the store, naming the field; nothing is stored', async () => {
    const store = new MemoryStore();
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
    await assert.rejects(
      history.addMessages([new HumanMessage('a'), new HumanMessage({ content: [{ type: 'image', data: PNG, mimeType: 'png' }] })]),
      (error: unknown) => {
        assert.ok(error instanceof TurnstoreError && error.code === 'TURNSTORE_INVALID_TURN');
        assert.match(error.message, /attachments\[0\]\.mediaType/);
        return true;
      },
    );
    assert.deepEqual(await store.get('c'), []);
    await store.close();
  });

  it('a data: URL counts against maxTurnBytes', async () => {
    const store = new MemoryStore({ maxTurnBytes: 1024, maxTotalBytes: 1 << 20 });
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
    const big = Buffer.alloc(2000, 7).toString('base64');
    await assert.rejects(
      history.addMessage(
        new HumanMessage({
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image', data: big, mimeType: 'image/png' },
          ],
        }),
      ),
      (error: unknown) => error instanceof TurnstoreError && error.code === 'TURNSTORE_TURN_TOO_LARGE',
    );
    assert.equal(await store.size(), 0);
    await store.close();
  });
});

describe('TurnstoreChatMessageHistory and tool exchanges', () => {
  const exchange = (): BaseMessage[] => [
    new HumanMessage('Weather in Paris?'),
    new AIMessage({
      content: '',
      tool_calls: [
        { id: 'call_1', name: 'weather', args: { city: 'Paris' } },
        { id: 'call_2', name: 'clock', args: {} },
      ],
    }),
    new ToolMessage({ content: '21°C', tool_call_id: 'call_1' }),
    new ToolMessage({ content: '14:00', tool_call_id: 'call_2' }),
    new AIMessage('21°C at two.'),
  ];

  it("leaves out tool results whose call the store's maxTurns cut off, and keeps whole exchanges", async () => {
    for (const [maxTurns, expected] of [
      [5, ['human', 'ai', 'tool', 'tool', 'ai']],
      [4, ['ai', 'tool', 'tool', 'ai']],
      [3, ['ai']], // both results lost their call
      [2, ['ai']],
    ] as const) {
      const store = new MemoryStore({ maxTurns });
      const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
      await history.addMessages(exchange());
      assert.deepEqual(
        (await history.getMessages()).map((m) => m.type),
        expected,
        `maxTurns ${maxTurns}`,
      );
      await store.close();
    }
  });

  it('keeps tool turns that name no call, and a pending call without its results (the loop is mid-way)', async () => {
    const store = new MemoryStore({ maxTurns: 10 });
    await store.appendMany('c', [
      { role: 'tool', content: 'legacy result' },
      { role: 'user', content: 'q' },
    ]);
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
    await history.addMessages(exchange().slice(1, 2));
    assert.deepEqual(
      (await history.getMessages()).map((m) => m.type),
      ['tool', 'human', 'ai'],
    );
    await store.close();
  });

  it('hands out fresh messages: changing a read-back tool call changes nothing stored', async () => {
    const store = new MemoryStore();
    const history = new TurnstoreChatMessageHistory({ store, conversationId: 'c' });
    await history.addMessages(exchange());
    const first = (await history.getMessages())[1] as AIMessage;
    first.tool_calls![0]!.args.city = 'Berlin';
    (first.tool_calls as unknown[]).pop();
    assert.deepEqual(
      ((await history.getMessages())[1] as AIMessage).tool_calls!.map((c) => c.args),
      [{ city: 'Paris' }, {}],
    );
    await store.close();
  });
});
