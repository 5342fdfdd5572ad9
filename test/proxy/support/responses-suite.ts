/**
 * The memory proxy's Responses API driven by an official `openai` client against the fake
 * upstream, which speaks only Chat Completions. The suite is run with the root's openai (6, every
 * runtime: test/proxy/responses.test.ts) and with openai 7 (Node >= 22, from a peer project:
 * test/proxy/responses-openai-7.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type OpenAI from 'openai';
import type { Turn } from '../../../src/index.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { startProxy, type ProxyServer } from './proxy-server.js';

/** The `OpenAI` class of one version of the client. */
export type OpenAIClass = typeof OpenAI;

/** A function tool as the Responses API takes it. */
export const weatherTool = {
  type: 'function' as const,
  name: 'weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};
const clockTool = { type: 'function' as const, name: 'clock', parameters: { type: 'object', properties: {} }, strict: false };

/** The conversation a stored response is in (its id says it). */
export function conversationOf(responseId: string): string {
  return Buffer.from(responseId.slice('resp_'.length + 24), 'base64url').toString('utf8');
}

/** Turns without their timestamps and metadata: what they say. */
const said = (turns: readonly Turn[]) =>
  turns.map(({ role, content, toolCalls, toolCallId }) => ({
    role,
    content,
    ...(toolCalls ? { toolCalls } : {}),
    ...(toolCallId ? { toolCallId } : {}),
  }));

/** Registers the suite for the client class `load` gives (named `label` in the test names), skipped with the reason `skip` when set. */
export function responsesSuite(
  label: string,
  load: () => Promise<OpenAIClass | undefined> | OpenAIClass | undefined,
  skip: string | false = false,
): void {
  describe(`Responses API through the memory proxy, ${label}`, { skip }, () => {
    let upstream: FakeUpstream;
    let proxy: ProxyServer;
    let client: OpenAI;
    let OpenAIClient: OpenAIClass;
    const sent = () => upstream.requests.filter((request) => request.url === '/v1/chat/completions');
    const lastSent = () => sent().at(-1)!.body as { messages: Array<Record<string, unknown>>; [key: string]: unknown };

    before(async () => {
      OpenAIClient = (await load())!;
      upstream = await startFakeUpstream();
      proxy = await startProxy({ upstream: upstream.url, upstreamTimeoutMs: 2000 }, { maxTurns: 12 });
      client = new OpenAIClient({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
    });
    after(async () => {
      await proxy?.close();
      await upstream?.close();
    });
    beforeEach(async () => {
      upstream.behaviour = 'ok';
      upstream.chunkDelayMs = 1;
      upstream.toolCallText = null;
      upstream.requests.length = 0;
      await proxy.store.clear();
    });

    /** The status and error body a call is refused with. */
    async function refusal(call: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
      try {
        await call;
      } catch (error) {
        const { status, error: body } = error as { status: number; error: Record<string, unknown> };
        return { status, error: body };
      }
      assert.fail('the call was not refused');
    }

    it('previous_response_id: the second request sends the first exchange upstream, after the instructions, and both are stored', async () => {
      const first = await client.responses.create({ model: 'm', instructions: 'Be brief.', input: 'My name is Ada.' });
      assert.match(first.id, /^resp_/);
      assert.equal(first.status, 'completed');
      assert.equal(first.output_text, 'You said "My name is Ada."; I saw 2 messages.');
      assert.deepEqual(first.usage, {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 10,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 20,
      });
      const second = await client.responses.create({
        model: 'm',
        instructions: 'Be briefer.',
        input: 'What is my name?',
        previous_response_id: first.id,
      });
      assert.equal(second.previous_response_id, first.id);
      assert.deepEqual(lastSent().messages, [
        { role: 'system', content: 'Be briefer.' },
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: first.output_text },
        { role: 'user', content: 'What is my name?' },
      ]);
      assert.equal(second.output_text, 'You said "What is my name?"; I saw 4 messages.');
      // Instructions are not stored (as OpenAI does not carry them over); both exchanges are, in one conversation.
      assert.equal(conversationOf(second.id), conversationOf(first.id));
      assert.deepEqual(said(await proxy.store.get(conversationOf(first.id))), [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: first.output_text },
        { role: 'user', content: 'What is my name?' },
        { role: 'assistant', content: second.output_text },
      ]);
    });

    it('conversation, as an id and as { id }: the memory the REST API and the chat proxy see, created on first use', async () => {
      await proxy.store.append('shared', 'user', 'Written through the REST API.');
      await proxy.store.append('shared', 'assistant', 'Noted.');
      const first = await client.responses.create({ model: 'm', input: 'One', conversation: 'shared' });
      assert.deepEqual(first.conversation, { id: 'shared' });
      assert.equal(lastSent().messages.length, 3);
      const second = await client.responses.create({ model: 'm', input: 'Two', conversation: { id: 'shared' } });
      assert.deepEqual(
        lastSent().messages.map((message) => message.content),
        ['Written through the REST API.', 'Noted.', 'One', first.output_text, 'Two'],
      );
      assert.equal((await proxy.store.get('shared')).length, 6);
      // A response of a conversation continues it by previous_response_id too.
      const third = await client.responses.create({ model: 'm', input: 'Three', previous_response_id: second.id });
      assert.equal(third.conversation, null);
      assert.equal((await proxy.store.get('shared')).length, 8);
      // Both at once cannot be honoured.
      const both = await refusal(
        client.responses.create({ model: 'm', input: 'x', conversation: 'shared', previous_response_id: third.id }),
      );
      assert.equal(both.status, 400);
      assert.equal(both.error.param, 'previous_response_id');
    });

    it('a function tool loop: the call comes back as a function_call item, its function_call_output continues the chain', async () => {
      const asked = await client.responses.create({ model: 'm', input: 'Paris', tools: [weatherTool] });
      assert.equal(asked.output.length, 1);
      const call = asked.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      assert.equal(call.type, 'function_call');
      assert.equal(call.name, 'weather');
      assert.equal(call.arguments, JSON.stringify({ city: 'Paris' }));
      assert.equal(asked.output_text, '');
      const answered = await client.responses.create({
        model: 'm',
        previous_response_id: asked.id,
        tools: [weatherTool],
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 °C' }],
      });
      assert.deepEqual(lastSent().messages, [
        { role: 'user', content: 'Paris' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'weather', arguments: call.arguments } }],
        },
        { role: 'tool', tool_call_id: call.call_id, content: 'sunny, 21 °C' },
      ]);
      assert.deepEqual(lastSent().tools, [
        {
          type: 'function',
          function: { name: 'weather', description: weatherTool.description, parameters: weatherTool.parameters, strict: false },
        },
      ]);
      assert.equal(answered.output_text, 'The tools said "sunny, 21 °C"; I saw 3 messages.');
      assert.deepEqual(said(await proxy.store.get(conversationOf(answered.id))), [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: '', toolCalls: [{ id: call.call_id, name: 'weather', arguments: call.arguments }] },
        { role: 'tool', content: 'sunny, 21 °C', toolCallId: call.call_id },
        { role: 'assistant', content: answered.output_text },
      ]);
      // The client's function_call sent back with its output (as a client keeping its own items does) is not stored twice.
      const again = await client.responses.create({
        model: 'm',
        previous_response_id: answered.id,
        input: [
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
        ],
      });
      assert.equal(again.output_text, 'You said "Thanks"; I saw 5 messages.');
      assert.equal((await proxy.store.get(conversationOf(again.id))).length, 6);
    });

    it('responses.stream: the event types in order with sequence numbers, the final response, and the exchange stored before the end', async () => {
      const stream = client.responses.stream({ model: 'm', input: 'Stream this, please' });
      const events: Array<{ type: string; sequence_number: number }> = [];
      let deltas = '';
      stream.on('response.output_text.delta', (event) => (deltas += event.delta));
      for await (const event of stream) events.push(event);
      const final = await stream.finalResponse();
      const text = 'You said "Stream this, please"; I saw 1 messages.';
      assert.equal(final.output_text, text);
      assert.equal(deltas, text);
      assert.deepEqual(
        events.map((event) => event.sequence_number),
        events.map((_, i) => i),
      );
      const types = events.map((event) => event.type);
      const deltaCount = types.filter((type) => type === 'response.output_text.delta').length;
      assert.ok(deltaCount > 1, 'the text comes in pieces');
      assert.deepEqual(
        types.filter((type) => type !== 'response.output_text.delta'),
        [
          'response.created',
          'response.in_progress',
          'response.output_item.added',
          'response.content_part.added',
          'response.output_text.done',
          'response.content_part.done',
          'response.output_item.done',
          'response.completed',
        ],
      );
      assert.equal(lastSent().stream, true);
      assert.deepEqual(said(await proxy.store.get(conversationOf(final.id))), [
        { role: 'user', content: 'Stream this, please' },
        { role: 'assistant', content: text },
      ]);
      // The stored response is the streamed one.
      const retrieved = await client.responses.retrieve(final.id);
      assert.deepEqual([retrieved.output_text, retrieved.output.map((item) => item.id)], [text, final.output.map((item) => item.id)]);
    });

    it('responses.stream with two tools: parallel calls streamed (their pieces interleaved upstream) as function_call items, then continued', async () => {
      upstream.toolCallText = 'Checking.';
      const stream = client.responses.stream({ model: 'm', input: 'Oslo', tools: [weatherTool, clockTool] });
      const argumentDeltas = new Map<number, string>();
      const types: string[] = [];
      stream.on('response.function_call_arguments.delta', (event) =>
        argumentDeltas.set(event.output_index, (argumentDeltas.get(event.output_index) ?? '') + event.delta),
      );
      for await (const event of stream) types.push(event.type);
      const final = await stream.finalResponse();
      const calls = final.output.filter((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall[];
      assert.deepEqual(
        calls.map((call) => [call.name, call.arguments]),
        [
          ['weather', JSON.stringify({ city: 'Oslo' })],
          ['clock', JSON.stringify({ query: 'Oslo' })],
        ],
      );
      assert.deepEqual([...argumentDeltas.values()].sort(), calls.map((call) => call.arguments).sort());
      assert.equal(final.output_text, 'Checking.');
      for (const type of ['response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done'])
        assert.ok(types.includes(type), type);
      const answered = await client.responses.create({
        model: 'm',
        previous_response_id: final.id,
        input: calls.map((call, i) => ({ type: 'function_call_output' as const, call_id: call.call_id, output: `result ${i}` })),
      });
      assert.equal(answered.output_text, 'The tools said "result 0" and "result 1"; I saw 4 messages.');
    });

    it('forks: continuing a response that is not the newest sends the history up to it, never after it, and stores the fork in a new conversation', async () => {
      const root = await client.responses.create({ model: 'm', input: 'Root' });
      const left = await client.responses.create({ model: 'm', input: 'Left', previous_response_id: root.id });
      const right = await client.responses.create({ model: 'm', input: 'Right', previous_response_id: root.id });
      assert.deepEqual(
        lastSent().messages.map((message) => message.content),
        ['Root', root.output_text, 'Right'],
      );
      assert.notEqual(conversationOf(right.id), conversationOf(root.id));
      assert.deepEqual(
        (await proxy.store.get(conversationOf(right.id))).map((turn) => turn.content),
        ['Root', root.output_text, 'Right', right.output_text],
      );
      // The original branch is untouched and continues as it was.
      assert.deepEqual(
        (await proxy.store.get(conversationOf(root.id))).map((turn) => turn.content),
        ['Root', root.output_text, 'Left', left.output_text],
      );
      const leftAgain = await client.responses.create({ model: 'm', input: 'Left again', previous_response_id: left.id });
      assert.equal(conversationOf(leftAgain.id), conversationOf(root.id));
      // Every response is still found, the forked one included, and continues its own branch.
      for (const response of [root, left, right, leftAgain]) assert.equal((await client.responses.retrieve(response.id)).id, response.id);
      await client.responses.create({ model: 'm', input: 'Right again', previous_response_id: right.id });
      assert.deepEqual(
        lastSent().messages.map((message) => message.content),
        ['Root', root.output_text, 'Right', right.output_text, 'Right again'],
      );
    });

    it('store: false stores nothing: the id is returned, but it cannot be retrieved or continued', async () => {
      const kept = await client.responses.create({ model: 'm', input: 'Kept' });
      const before = await proxy.store.get(conversationOf(kept.id));
      const unstored = await client.responses.create({ model: 'm', input: 'Forget me', store: false, previous_response_id: kept.id });
      assert.equal((unstored as { store?: unknown }).store, false);
      assert.equal(unstored.output_text, 'You said "Forget me"; I saw 3 messages.');
      assert.deepEqual(await proxy.store.get(conversationOf(kept.id)), before);
      assert.equal((await proxy.store.stats()).conversations, 1);
      assert.equal((await refusal(client.responses.retrieve(unstored.id))).status, 404);
      const continued = await refusal(client.responses.create({ model: 'm', input: 'x', previous_response_id: unstored.id }));
      assert.equal(continued.status, 404);
      assert.equal(continued.error.param, 'previous_response_id');
      // Streamed, too.
      const stream = client.responses.stream({ model: 'm', input: 'Forget me too', store: false });
      const streamed = await stream.finalResponse();
      assert.equal((await refusal(client.responses.retrieve(streamed.id))).status, 404);
      assert.equal((await proxy.store.stats()).conversations, 1);
    });

    it('unknown, malformed and trimmed ids are 404 in OpenAI’s error shape', async () => {
      const gone = await refusal(client.responses.retrieve('resp_nope'));
      assert.equal(gone.status, 404);
      assert.equal(gone.error.code, 'TURNSTORE_NOT_FOUND');
      assert.equal(gone.error.type, 'invalid_request_error');
      const first = await client.responses.create({ model: 'm', input: 'First' });
      // A well-formed id of a conversation that holds no such response.
      const forged = `resp_${'0'.repeat(24)}${first.id.slice('resp_'.length + 24)}`;
      assert.equal((await refusal(client.responses.retrieve(forged))).status, 404);
      assert.equal((await refusal(client.responses.create({ model: 'm', input: 'x', previous_response_id: forged }))).status, 404);
      // maxTurns is 12: six more exchanges trim the first one's turns, and the response with them.
      let previous = first.id;
      for (let i = 0; i < 6; i++)
        previous = (await client.responses.create({ model: 'm', input: `n${i}`, previous_response_id: previous })).id;
      assert.equal((await refusal(client.responses.retrieve(first.id))).status, 404);
      assert.equal((await client.responses.retrieve(previous)).id, previous);
      assert.equal(sent().length, 7);
    });

    it('fields it cannot honour are 400 naming them, and nothing goes upstream', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
        [{ background: true }, 'background'],
        [{ include: ['reasoning.encrypted_content'] }, 'include'],
        [{ reasoning: { effort: 'high' } }, 'reasoning'],
        [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
        [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].image_url'],
        [{ tool_choice: { type: 'web_search_preview' } }, 'tool_choice'],
      ];
      for (const [fields, param] of cases) {
        const { status, error } = await refusal(client.responses.create({ model: 'm', input: 'x', ...fields } as never));
        assert.equal(status, 400, param);
        assert.deepEqual(
          { param: error.param, code: error.code, type: error.type },
          { param, code: 'TURNSTORE_UNSUPPORTED_PARAMETER', type: 'invalid_request_error' },
        );
        assert.equal(typeof error.message, 'string');
      }
      const badType = await refusal(client.responses.create({ model: 'm', input: 'x', temperature: 'hot' } as never));
      assert.deepEqual([badType.status, badType.error.param, badType.error.code], [400, 'temperature', 'TURNSTORE_BAD_REQUEST']);
      assert.equal(sent().length, 0);
      assert.equal((await proxy.store.stats()).conversations, 0);
    });

    it('a failed upstream stores nothing: its JSON error passed on in OpenAI’s shape, a body that is not JSON as 502', async () => {
      const kept = await client.responses.create({ model: 'm', input: 'Kept' });
      const before = await proxy.store.get(conversationOf(kept.id));
      upstream.behaviour = 'error-json';
      const failed = await refusal(client.responses.create({ model: 'm', input: 'Fail', previous_response_id: kept.id }));
      assert.equal(failed.status, 500);
      assert.deepEqual(failed.error, {
        message: 'The fake upstream failed on purpose.',
        type: 'server_error',
        param: null,
        code: 'fake_failure',
      });
      upstream.behaviour = 'error-html';
      const html = await refusal(client.responses.create({ model: 'm', input: 'Fail', previous_response_id: kept.id }));
      assert.deepEqual([html.status, html.error.code, html.error.type], [502, 'TURNSTORE_UPSTREAM_UNAVAILABLE', 'server_error']);
      assert.deepEqual(await proxy.store.get(conversationOf(kept.id)), before);
      // The chain goes on from where it was.
      upstream.behaviour = 'ok';
      const next = await client.responses.create({ model: 'm', input: 'Again', previous_response_id: kept.id });
      assert.equal(conversationOf(next.id), conversationOf(kept.id));
      assert.equal((await proxy.store.get(conversationOf(kept.id))).length, 4);
    });

    it('a stream cut by the upstream fails in the client and stores nothing', async () => {
      const kept = await client.responses.create({ model: 'm', input: 'Kept' });
      upstream.behaviour = 'cut';
      const stream = client.responses.stream({ model: 'm', input: 'Cut me', previous_response_id: kept.id });
      await assert.rejects(stream.finalResponse(), (error: Error & { code?: unknown }) => {
        assert.match(error.message, /before the reply was complete|could not be reached/);
        return true;
      });
      assert.equal((await proxy.store.get(conversationOf(kept.id))).length, 2);
    });

    it('a client that aborts a stream stops the upstream request and stores nothing', async () => {
      const kept = await client.responses.create({ model: 'm', input: 'Kept' });
      upstream.behaviour = 'stall';
      const controller = new AbortController();
      const stream = client.responses.stream(
        { model: 'm', input: 'Abort me', previous_response_id: kept.id },
        { signal: controller.signal },
      );
      stream.on('response.output_text.delta', () => controller.abort());
      await assert.rejects(stream.finalResponse());
      await sent().at(-1)!.closed;
      assert.equal((await proxy.store.get(conversationOf(kept.id))).length, 2);
      // The conversation is free again: the next request is not kept waiting.
      upstream.behaviour = 'ok';
      const next = await client.responses.create({ model: 'm', input: 'Next', previous_response_id: kept.id });
      assert.equal(conversationOf(next.id), conversationOf(kept.id));
    });

    it('retrieve, inputItems.list and delete', async () => {
      const first = await client.responses.create({ model: 'm', input: 'First', metadata: { topic: 'test' }, temperature: 0.5 });
      const second = await client.responses.create({
        model: 'm',
        previous_response_id: first.id,
        input: [
          { role: 'user', content: 'Look:' },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'this' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
            ],
          },
        ],
      });
      const retrieved = await client.responses.retrieve(second.id);
      for (const field of ['id', 'created_at', 'status', 'output', 'output_text', 'usage', 'previous_response_id', 'model'] as const)
        assert.deepEqual(retrieved[field], second[field], field);
      const firstAgain = await client.responses.retrieve(first.id);
      assert.deepEqual([firstAgain.metadata, firstAgain.temperature], [{ topic: 'test' }, 0.5]);

      const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
      assert.deepEqual(
        items.data.map((item) => (item as { content: unknown }).content),
        [
          [{ type: 'input_text', text: 'Look:' }],
          [
            { type: 'input_text', text: 'this' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
          ],
        ],
      );
      const descending = await client.responses.inputItems.list(second.id);
      assert.deepEqual(
        descending.data.map((item) => item.id),
        items.data.map((item) => item.id).reverse(),
      );

      // Deleting the older response removes its turns and keeps the newer one's.
      await client.responses.delete(first.id);
      assert.equal((await refusal(client.responses.retrieve(first.id))).status, 404);
      assert.deepEqual(
        (await proxy.store.get(conversationOf(second.id))).map((turn) => turn.content),
        ['Look:', 'this', second.output_text],
      );
      assert.equal((await client.responses.retrieve(second.id)).id, second.id);
      await client.responses.delete(second.id);
      assert.equal((await refusal(client.responses.retrieve(second.id))).status, 404);
      assert.equal((await refusal(client.responses.delete(second.id))).status, 404);
      assert.equal((await proxy.store.stats()).conversations, 0);
    });
  });
}
