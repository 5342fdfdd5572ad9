/**
 * The memory proxy through a whole tool loop, driven by the official `openai` client against the
 * fake upstream (which calls every tool it is given when the user speaks, and answers tool results
 * with text quoting them).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { Turn } from '../../src/index.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';

let upstream: FakeUpstream;
let proxy: ProxyServer;

before(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({ upstream: upstream.url, upstreamTimeoutMs: 2000 });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  upstream.behaviour = 'ok';
  upstream.chunkDelayMs = 1;
  upstream.toolCallText = null;
  upstream.requests.length = 0;
  await proxy.store.clear();
});

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { query: { type: 'string' } } },
  },
};
const clock: ChatCompletionTool = { type: 'function', function: { name: 'clock', parameters: { type: 'object', properties: {} } } };
const SYSTEM = { role: 'system', content: 'Be brief.' } as const;

/** The turns of a conversation without their timestamps. */
async function stored(id: string): Promise<Array<Omit<Turn, 'ts'>>> {
  return (await proxy.store.get(id)).map(({ ts: _, ...turn }) => turn);
}

/** The tool calls of a completion's message, as the store keeps them. */
const asStored = (calls: readonly ChatCompletionMessageFunctionToolCall[]) =>
  calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
/** The tool calls of a completion's message, as OpenAI messages carry them. */
const asSent = (calls: readonly ChatCompletionMessageFunctionToolCall[]) =>
  calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }));
const functionCalls = (message: OpenAI.ChatCompletionMessage) => (message.tool_calls ?? []) as ChatCompletionMessageFunctionToolCall[];

/** Reads a streamed completion to its end with the client's own assembler. */
async function streamed(
  client: OpenAI,
  body: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream'>,
): Promise<OpenAI.ChatCompletionMessage> {
  const stream = client.chat.completions.stream({ ...body, stream: true });
  return (await stream.finalChatCompletion()).choices[0]!.message;
}

describe('memory proxy: a tool loop, JSON', () => {
  it('stores the question with the tool calls, then the results with the answer; the third request carries the whole exchange in order', async () => {
    const client = proxy.client('json-loop');
    const first = (
      await client.chat.completions.create({
        model: 'm',
        tools: [weather],
        messages: [SYSTEM, { role: 'user', content: 'Weather in Paris?' }],
      })
    ).choices[0]!;
    assert.equal(first.finish_reason, 'tool_calls');
    const calls = functionCalls(first.message);
    assert.deepEqual(asStored(calls), [{ id: calls[0]!.id, name: 'weather', arguments: '{"query":"Weather in Paris?"}' }]);
    assert.deepEqual(await stored('json-loop'), [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: asStored(calls) },
    ]);

    // Step 2: only what is new, the tool's result.
    const second = await client.chat.completions.create({
      model: 'm',
      tools: [weather],
      messages: [SYSTEM, { role: 'tool', tool_call_id: calls[0]!.id, content: '18 °C, sunny' }],
    });
    const answer = second.choices[0]!.message.content!;
    assert.equal(answer, 'The tools said "18 °C, sunny"; I saw 4 messages.');
    assert.deepEqual(upstream.requests[1]!.body.messages, [
      SYSTEM,
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: asSent(calls) },
      { role: 'tool', tool_call_id: calls[0]!.id, content: '18 °C, sunny' },
    ]);
    assert.deepEqual(await stored('json-loop'), [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: asStored(calls) },
      { role: 'tool', content: '18 °C, sunny', toolCallId: calls[0]!.id },
      { role: 'assistant', content: answer },
    ]);

    await client.chat.completions.create({
      model: 'm',
      tools: [weather],
      tool_choice: 'none',
      messages: [SYSTEM, { role: 'user', content: 'And tomorrow?' }],
    });
    assert.deepEqual(upstream.requests[2]!.body.messages, [
      SYSTEM,
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: asSent(calls) },
      { role: 'tool', tool_call_id: calls[0]!.id, content: '18 °C, sunny' },
      { role: 'assistant', content: answer },
      { role: 'user', content: 'And tomorrow?' },
    ]);
    assert.equal(upstream.requests[2]!.body.tool_choice, 'none');
  });

  it('a reply with text beside its calls keeps the text', async () => {
    upstream.toolCallText = 'Let me look that up.';
    const client = proxy.client('said-and-called');
    const calls = functionCalls(
      (await client.chat.completions.create({ model: 'm', tools: [weather], messages: [{ role: 'user', content: 'Rome?' }] })).choices[0]!
        .message,
    );
    assert.deepEqual((await stored('said-and-called'))[1], {
      role: 'assistant',
      content: 'Let me look that up.',
      toolCalls: asStored(calls),
    });
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'tool', tool_call_id: calls[0]!.id, content: 'rain' }] });
    assert.deepEqual(upstream.requests[1]!.body.messages[1], {
      role: 'assistant',
      content: 'Let me look that up.',
      tool_calls: asSent(calls),
    });
  });

  it("a client that sends the loop's messages again (as runTools does) has nothing stored or sent twice", async () => {
    const client = proxy.client('resender');
    const question: ChatCompletionMessageParam = { role: 'user', content: 'Time and weather?' };
    const message = (await client.chat.completions.create({ model: 'm', tools: [weather, clock], messages: [question] })).choices[0]!
      .message;
    const calls = functionCalls(message);
    assert.equal(calls.length, 2);
    const results: ChatCompletionMessageParam[] = [
      { role: 'tool', tool_call_id: calls[0]!.id, content: 'sunny' },
      { role: 'tool', tool_call_id: calls[1]!.id, content: 'noon' },
    ];
    // The whole local list: the question and the call, already stored, then the new results.
    await client.chat.completions.create({
      model: 'm',
      tools: [weather, clock],
      messages: [question, message as ChatCompletionMessageParam, ...results],
    });
    assert.deepEqual(upstream.requests[1]!.body.messages, [
      { role: 'user', content: 'Time and weather?' },
      { role: 'assistant', content: null, tool_calls: asSent(calls) },
      ...results,
    ]);
    const afterStep2 = await stored('resender');
    assert.deepEqual(
      afterStep2.map((turn) => turn.role),
      ['user', 'assistant', 'tool', 'tool', 'assistant'],
    );

    // Results already stored, sent again before a new question: dropped, the question kept.
    await client.chat.completions.create({ model: 'm', messages: [...results, { role: 'user', content: 'Thanks!' }] });
    assert.deepEqual(
      upstream.requests[2]!.body.messages.map((sent: { role: string }) => sent.role),
      ['user', 'assistant', 'tool', 'tool', 'assistant', 'user'],
    );
    assert.deepEqual(await stored('resender'), [
      ...afterStep2,
      { role: 'user', content: 'Thanks!' },
      { role: 'assistant', content: 'You said "Thanks!"; I saw 6 messages.' },
    ]);
  });

  it("the openai client's own runTools loop, through the proxy, is remembered once", async () => {
    const client = proxy.client('run-tools');
    const runner = client.chat.completions.runTools({
      model: 'm',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'The weather in a city',
            parameters: { type: 'object', properties: { query: { type: 'string' } } },
            function: (args: string) => `cold, asked ${args}`,
            parse: (text: string) => text,
          },
        },
      ],
    });
    const content = await runner.finalContent();
    assert.equal(content, 'The tools said "cold, asked {\\"query\\":\\"Weather in Oslo?\\"}"; I saw 3 messages.');
    assert.deepEqual(
      (await stored('run-tools')).map((turn) => turn.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
  });

  it('a loop the client gave up: the next question is stored, and the unanswered calls are never sent again', async () => {
    const client = proxy.client('gave-up');
    await client.chat.completions.create({ model: 'm', tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] });
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Never mind.' }] });
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hello?' }] });
    assert.deepEqual(
      (await stored('gave-up')).map((turn) => turn.role),
      ['user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
    );
    for (const request of upstream.requests.slice(1)) {
      assert.ok(
        request.body.messages.every((message: { tool_calls?: unknown }) => message.tool_calls === undefined),
        JSON.stringify(request.body.messages),
      );
    }
    assert.deepEqual(
      upstream.requests[2]!.body.messages.map((message: { content: string }) => message.content),
      ['Weather?', 'Never mind.', 'You said "Never mind."; I saw 2 messages.', 'Hello?'],
    );
  });

  it('stored calls answered in part are left out whole', async () => {
    await proxy.store.appendMany('in-part', [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'f', arguments: '{}' },
          { id: 'b', name: 'g', arguments: '{}' },
        ],
      },
      { role: 'tool', content: 'ra', toolCallId: 'a' },
      { role: 'assistant', content: 'half an answer' },
      { role: 'tool', content: 'legacy result without a call id' },
    ]);
    await proxy.client('in-part').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'next' }] });
    assert.deepEqual(upstream.requests[0]!.body.messages, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'half an answer' },
      { role: 'tool', content: 'legacy result without a call id' },
      { role: 'user', content: 'next' },
    ]);
  });

  it('tool results for calls the proxy never stored pass through, and nothing is stored', async () => {
    const client = proxy.client('foreign');
    const call = { id: 'mine_1', type: 'function' as const, function: { name: 'weather', arguments: '{}' } };
    await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'mine_1', content: 'y' },
      ],
    });
    assert.equal(upstream.requests[0]!.body.messages.length, 3);
    assert.deepEqual(await stored('foreign'), []);
  });
});

describe('memory proxy: a tool loop, streamed', () => {
  it('assembles the streamed tool calls (two, interleaved) and stores them; the third request carries the whole exchange', async () => {
    const client = proxy.client('sse-loop');
    const message = await streamed(client, {
      model: 'm',
      tools: [weather, clock],
      messages: [{ role: 'user', content: 'Time and weather in Lima?' }],
    });
    const calls = functionCalls(message);
    assert.deepEqual(asStored(calls), [
      { id: calls[0]!.id, name: 'weather', arguments: '{"query":"Time and weather in Lima?"}' },
      { id: calls[1]!.id, name: 'clock', arguments: '{"query":"Time and weather in Lima?"}' },
    ]);
    // The fake interleaves the two calls' argument pieces: assembly goes by index.
    assert.ok(upstream.streamedEvents.some((event) => event.includes('"index":1')));
    assert.deepEqual(await stored('sse-loop'), [
      { role: 'user', content: 'Time and weather in Lima?' },
      { role: 'assistant', content: '', toolCalls: asStored(calls) },
    ]);

    const answer = await streamed(client, {
      model: 'm',
      tools: [weather, clock],
      messages: [
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'warm' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '9:00' },
      ],
    });
    assert.equal(answer.content, 'The tools said "warm" and "9:00"; I saw 4 messages.');

    const last = await streamed(client, { model: 'm', messages: [{ role: 'user', content: 'Thanks.' }] });
    assert.equal(last.content, 'You said "Thanks."; I saw 6 messages.');
    assert.deepEqual(upstream.requests[2]!.body.messages, [
      { role: 'user', content: 'Time and weather in Lima?' },
      { role: 'assistant', content: null, tool_calls: asSent(calls) },
      { role: 'tool', tool_call_id: calls[0]!.id, content: 'warm' },
      { role: 'tool', tool_call_id: calls[1]!.id, content: '9:00' },
      { role: 'assistant', content: answer.content },
      { role: 'user', content: 'Thanks.' },
    ]);
    assert.deepEqual(
      (await stored('sse-loop')).map((turn) => turn.role),
      ['user', 'assistant', 'tool', 'tool', 'assistant', 'user', 'assistant'],
    );
  });
});

describe('memory proxy: a failed or abandoned step stores nothing', () => {
  it('the tool-call step failing upstream (JSON) stores nothing', async () => {
    upstream.behaviour = 'error-json';
    await assert.rejects(
      proxy.client('fail-1').chat.completions.create({ model: 'm', tools: [weather], messages: [{ role: 'user', content: 'q' }] }),
      OpenAI.APIError,
    );
    assert.deepEqual(await stored('fail-1'), []);
  });

  it('the tool-call stream cut mid-call stores nothing', async () => {
    upstream.behaviour = 'cut';
    await assert.rejects(streamed(proxy.client('fail-2'), { model: 'm', tools: [weather], messages: [{ role: 'user', content: 'q' }] }));
    assert.deepEqual(await stored('fail-2'), []);
  });

  it('the results step failing keeps the results out; sent again, they are stored once', async () => {
    const client = proxy.client('fail-3');
    const calls = functionCalls(
      (await client.chat.completions.create({ model: 'm', tools: [weather], messages: [{ role: 'user', content: 'q' }] })).choices[0]!
        .message,
    );
    const result: ChatCompletionMessageParam = { role: 'tool', tool_call_id: calls[0]!.id, content: 'r' };
    upstream.behaviour = 'error-json';
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [result] }), OpenAI.APIError);
    assert.equal((await stored('fail-3')).length, 2);

    upstream.behaviour = 'stall';
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [result] });
    for await (const _ of stream) {
      stream.controller.abort();
      break;
    }
    await upstream.requests.at(-1)!.closed;
    assert.equal((await stored('fail-3')).length, 2);

    upstream.behaviour = 'ok';
    await client.chat.completions.create({ model: 'm', messages: [result] });
    assert.deepEqual(
      (await stored('fail-3')).map((turn) => turn.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
  });
});
