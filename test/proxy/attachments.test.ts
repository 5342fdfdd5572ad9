/**
 * The memory proxy with images, audio and files: content parts stored as attachments and sent
 * upstream again as parts; and what attachments and tool calls count against the token budget.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import { ESTIMATED_TOKENS_PER_ATTACHMENT, estimateTokens } from '../../src/index.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';

let upstream: FakeUpstream;
let proxy: ProxyServer;

before(async () => {
  upstream = await startFakeUpstream();
  // Five attachments take 5 × 1,600 tokens by the estimate: more than the default budget.
  proxy = await startProxy({ upstream: upstream.url, contextTokens: 16_000 });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  upstream.behaviour = 'ok';
  upstream.requests.length = 0;
  await proxy.store.clear();
});

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const PDF = 'data:application/pdf;base64,JVBERi0xLjQK';

describe('memory proxy: attachments', () => {
  it('image, audio and file parts are stored as attachments, and sent upstream as parts on the next request', async () => {
    const client = proxy.client('parts');
    await client.chat.completions.create({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What are these? ' },
            { type: 'image_url', image_url: { url: PNG, detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.JPG' } },
            { type: 'input_audio', input_audio: { data: 'UklGRiQ=', format: 'wav' } },
            { type: 'input_audio', input_audio: { data: 'SUQzBA==', format: 'mp3' } },
            { type: 'file', file: { filename: 'report 1.pdf', file_data: PDF } },
            { type: 'text', text: 'Be short.' },
          ],
        },
      ],
    });
    const [question] = await proxy.store.get('parts');
    assert.deepEqual(
      { ...question, ts: 0 },
      {
        role: 'user',
        content: 'What are these? Be short.',
        ts: 0,
        attachments: [
          { mediaType: 'image/png', url: PNG },
          { mediaType: 'image/jpeg', url: 'https://example.com/photos/cat.JPG' },
          { mediaType: 'audio/wav', url: 'data:audio/wav;base64,UklGRiQ=' },
          { mediaType: 'audio/mpeg', url: 'data:audio/mpeg;base64,SUQzBA==' },
          { mediaType: 'application/pdf', url: 'data:application/pdf;filename=report%201.pdf;base64,JVBERi0xLjQK' },
        ],
      },
    );

    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'And now?' }] });
    assert.deepEqual(upstream.requests[1]!.body.messages[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'What are these? Be short.' },
        { type: 'image_url', image_url: { url: PNG } },
        { type: 'image_url', image_url: { url: 'https://example.com/photos/cat.JPG' } },
        { type: 'input_audio', input_audio: { data: 'UklGRiQ=', format: 'wav' } },
        { type: 'input_audio', input_audio: { data: 'SUQzBA==', format: 'mp3' } },
        { type: 'file', file: { filename: 'report 1.pdf', file_data: PDF } },
      ],
    });
  });

  it('an image alone is a message of one part; a file_id part goes upstream but is not remembered', async () => {
    const client = proxy.client('only-parts');
    await client.chat.completions.create({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: PNG } },
            { type: 'file', file: { file_id: 'file-abc' } },
          ],
        },
      ],
    });
    assert.deepEqual(upstream.requests[0]!.body.messages[0].content[1], { type: 'file', file: { file_id: 'file-abc' } });
    const [question] = await proxy.store.get('only-parts');
    assert.deepEqual(question!.attachments, [{ mediaType: 'image/png', url: PNG }]);
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'next' }] });
    assert.deepEqual(upstream.requests[1]!.body.messages[0], { role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] });
  });

  it("attachments stored by other means: other roles' are not sent, nor audio or files at http URLs", async () => {
    await proxy.store.appendMany('stored', [
      {
        role: 'user',
        content: 'hear this',
        attachments: [
          { mediaType: 'audio/ogg', url: 'https://example.com/a.ogg' },
          { mediaType: 'audio/ogg', url: 'data:audio/ogg;base64,T2dnUw==' },
        ],
      },
      { role: 'assistant', content: 'a picture', attachments: [{ mediaType: 'image/png', url: PNG }], metadata: { model: 'x' } },
    ]);
    await proxy.client('stored').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ok' }] });
    assert.deepEqual(upstream.requests[0]!.body.messages.slice(0, 2), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hear this' },
          { type: 'input_audio', input_audio: { data: 'T2dnUw==', format: 'ogg' } },
        ],
      },
      { role: 'assistant', content: 'a picture' },
    ]);
  });
});

describe('memory proxy: what tool calls and attachments cost', () => {
  it('an attachment counts a fixed estimate beside its text', async () => {
    // "hi" with an image: 1,600 + estimateTokens("hi") = 1,605 tokens, the whole budget.
    const budget = ESTIMATED_TOKENS_PER_ATTACHMENT + estimateTokens({ role: 'user', content: 'hi' });
    assert.equal(budget, 1605);
    const small = await startProxy({ upstream: upstream.url, contextTokens: budget });
    try {
      const client = small.client('budget');
      const withImage = {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'hi' },
          { type: 'image_url' as const, image_url: { url: PNG } },
        ],
      };
      await client.chat.completions.create({ model: 'm', messages: [withImage] });
      const more = await client.chat.completions
        .create({ model: 'm', messages: [withImage, { role: 'user', content: 'a' }] })
        .catch((caught: unknown) => caught);
      assert.ok(more instanceof OpenAI.APIError);
      assert.equal(more.status, 413);
      assert.match(more.message, /take about 1610 tokens/);
      assert.equal(upstream.requests.length, 1);
    } finally {
      await small.close();
    }
  });

  it('a stored call the request answers is counted with its arguments, and sent before the results', async () => {
    const question = 'x'.repeat(200);
    const small = await startProxy({ upstream: upstream.url, contextTokens: 60 });
    try {
      const client = small.client('budget');
      const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: {} } } }];
      const message = (await client.chat.completions.create({ model: 'm', tools, messages: [{ role: 'user', content: question }] }))
        .choices[0]!.message;
      const call = (message.tool_calls as ChatCompletionMessageFunctionToolCall[])[0]!;
      // The call's turn is counted with its id, name and arguments: over 50 tokens with this question in its arguments.
      const callTokens = estimateTokens({
        role: 'assistant',
        content: '',
        toolCalls: [{ id: call.id, name: 'weather', arguments: call.function.arguments }],
      });
      const resultTokens = estimateTokens({ role: 'tool', content: 'r', toolCallId: call.id });
      assert.ok(callTokens + resultTokens > 60 && resultTokens + estimateTokens({ role: 'assistant', content: '' }) <= 60);
      const error = await client.chat.completions
        .create({ model: 'm', messages: [{ role: 'tool', tool_call_id: call.id, content: 'r' }] })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 413);
      assert.match(error.message, new RegExp(`\\(with the tool calls they answer\\) take about ${callTokens + resultTokens} tokens`));
    } finally {
      await small.close();
    }
  });
});
