/**
 * The Responses API routes with plain fetch, on every runtime: the raw event stream, two requests
 * continuing one response at once, the token, the window and budget, ids of any conversation,
 * and /openapi.json.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';
import { conversationOf } from './support/responses-suite.js';

let upstream: FakeUpstream;
let proxy: ProxyServer;
const TOKEN = 'responses-token';

before(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({ upstream: upstream.url, upstreamTimeoutMs: 2000, contextTokens: 200 }, { token: TOKEN });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  upstream.behaviour = 'ok';
  upstream.chunkDelayMs = 1;
  upstream.finishReason = null;
  upstream.ignoreStream = false;
  upstream.requests.length = 0;
  await proxy.store.clear();
});

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function post(body: object, extra: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${proxy.url}/v1/responses`, {
    method: 'POST',
    headers: { ...headers, ...extra },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

/** The events of a streamed response: each SSE event's name and its data. */
async function events(body: object): Promise<Array<{ event: string; data: any }>> {
  const response = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers, body: JSON.stringify({ ...body, stream: true }) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.replace(/^event: /, ''), data: JSON.parse(dataLine!.replace(/^data: /, '')) };
    });
}

const sentBodies = () => upstream.requests.filter((request) => request.url === '/v1/chat/completions').map((request) => request.body);

describe('Responses API routes', () => {
  it('the event stream: each event named by its type, numbered from 0, the response in progress then completed', async () => {
    const stream = await events({ model: 'm', input: 'Hi there' });
    assert.deepEqual(
      stream.map(({ event, data }) => [event, data.sequence_number]),
      stream.map(({ data }, i) => [data.type, i]),
    );
    const created = stream[0]!.data.response;
    assert.deepEqual([created.status, created.output, created.usage], ['in_progress', [], null]);
    const completed = stream.at(-1)!.data;
    assert.equal(completed.type, 'response.completed');
    assert.equal(completed.response.id, created.id);
    assert.equal(completed.response.output_text, 'You said "Hi there"; I saw 1 messages.');
    const added = stream.find(({ data }) => data.type === 'response.output_item.added')!.data;
    assert.deepEqual([added.output_index, added.item.type, added.item.status], [0, 'message', 'in_progress']);
    assert.deepEqual(sentBodies()[0].stream_options, { include_usage: true });
  });

  it('two requests continuing the same newest response at once: one continues it, the other waits and forks', async () => {
    const first = await post({ model: 'm', input: 'Start' });
    upstream.chunkDelayMs = 20;
    const [a, b] = await Promise.all([
      events({ model: 'm', input: 'Branch A', previous_response_id: first.json.id }),
      events({ model: 'm', input: 'Branch B', previous_response_id: first.json.id }),
    ]);
    const ids = [a.at(-1)!.data.response.id as string, b.at(-1)!.data.response.id as string];
    const conversations = ids.map(conversationOf);
    assert.equal(conversations.filter((id) => id === conversationOf(first.json.id)).length, 1, 'one continues the conversation');
    // Each branch holds the start and its own exchange, never the other's.
    for (const [i, id] of conversations.entries()) {
      const contents = (await proxy.store.get(id)).map((turn) => turn.content);
      assert.equal(contents.length, 4);
      assert.deepEqual(contents.slice(0, 2), ['Start', first.json.output_text]);
      assert.equal(contents[2], i === 0 ? 'Branch A' : 'Branch B');
    }
    // And upstream, each was sent the start and its own input only.
    for (const body of sentBodies().slice(1)) assert.equal(body.messages.length, 3);
  });

  it('needs the token as API key, and answers its absence in OpenAI’s shape', async () => {
    const response = await fetch(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x' }),
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.code, 'TURNSTORE_UNAUTHORIZED');
    const get = await fetch(`${proxy.url}/v1/responses/resp_x`, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(get.status, 401);
    assert.equal(sentBodies().length, 0);
  });

  it('the history goes through the window and budget: old turns left out upstream, kept in the store; input over budget is 413', async () => {
    let previous: string | undefined;
    for (let i = 0; i < 8; i++) {
      const { json } = await post({
        model: 'm',
        input: `Message number ${i} ${'word '.repeat(10)}`,
        ...(previous ? { previous_response_id: previous } : {}),
      });
      previous = json.id;
    }
    const last = sentBodies().at(-1)!;
    assert.ok(last.messages.length < 15, `the window left out old turns: ${last.messages.length} sent`);
    assert.match(String(last.messages.at(-1).content), /^Message number 7/);
    assert.equal((await proxy.store.get(conversationOf(previous!))).length, 16);
    const tooLarge = await post({ model: 'm', input: 'word '.repeat(2000), previous_response_id: previous });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.json.error.code, 'TURNSTORE_CONTEXT_TOO_LARGE');
    assert.equal(sentBodies().length, 8);
  });

  it('any conversation id works, and the answer names it in X-Conversation-Id, percent-encoded', async () => {
    const id = 'café/☕ #1';
    const first = await post({ model: 'm', input: 'Hello', conversation: id });
    assert.equal(first.headers.get('x-conversation-id'), encodeURIComponent(id));
    assert.equal(conversationOf(first.json.id), id);
    const got = await fetch(`${proxy.url}/v1/responses/${first.json.id}`, { headers });
    assert.equal(((await got.json()) as { id: string }).id, first.json.id);
    const fresh = await post({ model: 'm', input: 'Hello' });
    assert.match(fresh.headers.get('x-conversation-id')!, /^conv_[0-9a-f]{32}$/);
    assert.equal((await post({ model: 'm', input: 'x', store: false })).headers.get('x-conversation-id'), null);
    const bad = await post({ model: 'm', input: 'x', conversation: '' });
    assert.deepEqual([bad.status, bad.json.error.param], [400, 'conversation']);
  });

  it('malformed input is 400 naming the field, before anything goes upstream', async () => {
    const cases: Array<[object, string]> = [
      [{ input: 5 }, 'input'],
      [{ input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
      [{ input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id'],
      [{ input: 'x', metadata: { a: 1 } }, 'metadata'],
      [{ input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
      [{ input: 'x', previous_response_id: 7 }, 'previous_response_id'],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post({ model: 'm', ...body });
      assert.deepEqual([status, json.error.param, json.error.code], [400, param, 'TURNSTORE_BAD_REQUEST'], param);
    }
    assert.equal(sentBodies().length, 0);
  });

  it('a reply cut at max_output_tokens is incomplete (stored as such); streamed, it ends with response.incomplete', async () => {
    upstream.finishReason = 'length';
    const { json } = await post({ model: 'm', input: 'Long story', max_output_tokens: 5 });
    assert.deepEqual([json.status, json.incomplete_details, json.max_output_tokens], ['incomplete', { reason: 'max_output_tokens' }, 5]);
    assert.equal(sentBodies()[0].max_tokens, 5);
    const stored = (await (await fetch(`${proxy.url}/v1/responses/${json.id}`, { headers })).json()) as Record<string, unknown>;
    assert.deepEqual([stored.status, stored.incomplete_details], ['incomplete', { reason: 'max_output_tokens' }]);
    const stream = await events({ model: 'm', input: 'Long story', previous_response_id: json.id });
    const last = stream.at(-1)!.data;
    assert.deepEqual([last.type, last.response.status], ['response.incomplete', 'incomplete']);
    upstream.finishReason = null;
    const complete = await post({ model: 'm', input: 'Short' });
    assert.deepEqual([complete.json.status, complete.json.incomplete_details], ['completed', null]);
  });

  it('an upstream that answers a streamed request with JSON still gives the whole event stream, and the exchange is stored', async () => {
    upstream.ignoreStream = true;
    const stream = await events({ model: 'm', input: 'Stream, please' });
    assert.deepEqual(
      stream.map(({ event }) => event),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    const done = stream.at(-1)!.data.response;
    assert.equal(done.output_text, 'You said "Stream, please"; I saw 1 messages.');
    assert.equal((await proxy.store.get(conversationOf(done.id))).length, 2);
  });

  it('input_items pages with limit, after and has_more', async () => {
    const input = ['a', 'b', 'c', 'd', 'e'].map((text) => ({ role: 'user', content: text }));
    const { json } = await post({ model: 'm', input });
    const page = async (query: string) =>
      (await (await fetch(`${proxy.url}/v1/responses/${json.id}/input_items?${query}`, { headers })).json()) as {
        data: Array<{ id: string; content: Array<{ text: string }> }>;
        has_more: boolean;
        first_id: string;
        last_id: string;
      };
    const first = await page('order=asc&limit=2');
    assert.deepEqual(
      first.data.map((item) => item.content[0]!.text),
      ['a', 'b'],
    );
    assert.equal(first.has_more, true);
    const second = await page(`order=asc&limit=2&after=${first.last_id}`);
    assert.deepEqual(
      second.data.map((item) => item.content[0]!.text),
      ['c', 'd'],
    );
    const last = await page(`order=asc&after=${second.last_id}`);
    assert.deepEqual([last.data.map((item) => item.content[0]!.text), last.has_more], [['e'], false]);
    const newest = await page('limit=1');
    assert.deepEqual(
      newest.data.map((item) => item.content[0]!.text),
      ['e'],
    );
    const bad = await fetch(`${proxy.url}/v1/responses/${json.id}/input_items?limit=0`, { headers });
    assert.equal(bad.status, 400);
  });

  it('an upstream answering JSON that is no chat completion is 502, and nothing is stored', async () => {
    upstream.behaviour = 'not-completion';
    const { status, json } = await post({ model: 'm', input: 'Hello', conversation: 'bogus' });
    assert.deepEqual([status, json.error.code, json.error.type], [502, 'TURNSTORE_UPSTREAM_UNAVAILABLE', 'server_error']);
    assert.match(json.error.message, /not a chat completion/);
    assert.deepEqual(await proxy.store.get('bogus'), []);
  });

  it('an upstream that falls silent mid-stream: the stream ends with an error event naming the timeout, and nothing is stored', async () => {
    const quick = await startProxy({ upstream: upstream.url, upstreamTimeoutMs: 200 });
    try {
      upstream.behaviour = 'stall';
      const response = await fetch(`${quick.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'Hello?', conversation: 'silent', stream: true }),
      });
      const blocks = (await response.text()).split('\n\n').filter(Boolean);
      const last = JSON.parse(
        blocks
          .at(-1)!
          .split('\n')[1]!
          .replace(/^data: /, ''),
      ) as Record<string, unknown>;
      assert.deepEqual([last.type, last.code], ['error', 'TURNSTORE_UPSTREAM_TIMEOUT']);
      assert.ok(!blocks.some((block) => block.startsWith('event: response.completed')));
      assert.deepEqual(await quick.store.get('silent'), []);
    } finally {
      await quick.close();
    }
  });

  it('/openapi.json lists the four routes', async () => {
    const document = (await (await fetch(`${proxy.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    assert.ok(document.paths['/v1/responses']?.post);
    assert.ok(document.paths['/v1/responses/{id}']?.get);
    assert.ok(document.paths['/v1/responses/{id}']?.delete);
    assert.ok(document.paths['/v1/responses/{id}/input_items']?.get);
  });
});
