/**
 * The memory proxy in this process, called by the official `openai` client, forwarding to a fake
 * OpenAI-compatible upstream.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { estimateTokens } from '../../src/index.js';
import { MAX_BODY_DEPTH } from '../../src/server/json-body.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startProxy, type ProxyServer } from './support/proxy-server.js';

const TOKEN = 'turnstore-secret';
const UPSTREAM_KEY = 'upstream-secret';

let upstream: FakeUpstream;
let proxy: ProxyServer;

before(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({ upstream: upstream.url, upstreamKey: UPSTREAM_KEY, upstreamTimeoutMs: 300 }, { token: TOKEN });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  upstream.behaviour = 'ok';
  upstream.chunkDelayMs = 1;
  upstream.requests.length = 0;
  await proxy.store.clear();
});

const contents = (messages: Array<{ role: string; content: unknown }>) =>
  messages.map((message) => `${message.role}: ${String(message.content)}`);

async function postRaw(headers: Record<string, string>, body: unknown = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }) {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

describe('memory proxy: remembering', () => {
  it('the second request upstream carries the first exchange; the caller sends only what is new', async () => {
    const client = proxy.client('ada');
    const first = await client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi, I am Ada.' },
      ],
    });
    const firstReply = first.choices[0]!.message.content!;
    assert.equal(firstReply, 'You said "Hi, I am Ada."; I saw 2 messages.');
    await client.chat.completions.create({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Who am I?' },
      ],
    });

    assert.equal(upstream.requests.length, 2);
    assert.deepEqual(contents(upstream.requests[1]!.body.messages), [
      'system: Be brief.',
      'user: Hi, I am Ada.',
      `assistant: ${firstReply}`,
      'user: Who am I?',
    ]);
    // System messages are the caller's, sent with every request: never stored.
    assert.deepEqual(
      (await proxy.store.get('ada')).map((turn) => turn.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
  });

  it('every other body field goes upstream unchanged', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    await proxy.client('fields').chat.completions.create({
      model: 'qwen',
      temperature: 0.2,
      max_tokens: 64,
      seed: 7,
      tools,
      messages: [{ role: 'user', content: 'x' }],
    });
    const { messages, ...rest } = upstream.requests[0]!.body;
    assert.deepEqual(rest, { model: 'qwen', temperature: 0.2, max_tokens: 64, seed: 7, tools });
    assert.deepEqual(contents(messages), ['user: x']);
  });

  it("two conversations never see each other's turns", async () => {
    await proxy.client('one').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'secret of one' }] });
    await proxy.client('two').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello from two' }] });
    await proxy.client('one').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'again one' }] });
    assert.deepEqual(contents(upstream.requests[1]!.body.messages), ['user: hello from two']);
    assert.ok(!JSON.stringify(upstream.requests[2]!.body).includes('two'));
    assert.equal(upstream.requests[2]!.body.messages.length, 3);
  });

  it('stores the trailing user messages and the reply together; a request ending otherwise stores nothing', async () => {
    const client = proxy.client('trailing');
    await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'user', content: [{ type: 'text', text: 'd' }] },
      ],
    });
    // The fake names the last user message; that one's content is an array of parts here.
    assert.deepEqual(contents(await proxy.store.get('trailing')), [
      'user: c',
      'user: d',
      'assistant: You said "[object Object]"; I saw 4 messages.',
    ]);
    await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'e' },
        { role: 'assistant', content: 'prefill' },
      ],
    });
    assert.equal((await proxy.store.get('trailing')).length, 3);
  });

  it('history is cut to the token budget, newest first, opening on a user turn', async () => {
    const small = await startProxy({ upstream: upstream.url, contextTokens: 30 });
    try {
      const client = small.client('budget');
      for (const word of ['one', 'two', 'three'])
        await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: word }] });
      const sent = upstream.requests.at(-1)!.body.messages;
      // By the estimate (ceil(bytes / 4) + 4): "three" takes 6 tokens, leaving 24 for history; the
      // newest reply (33 bytes) takes 13 and "two" 5; the reply before would need 13 more.
      assert.deepEqual(contents(sent), ['user: two', 'assistant: You said "two"; I saw 3 messages.', 'user: three']);
      assert.equal(estimateTokens({ role: 'user', content: 'three' }) + estimateTokens(sent[0]) + estimateTokens(sent[1]), 24);
    } finally {
      await small.close();
    }
  });

  it('instructions over the budget: 413 TURNSTORE_CONTEXT_TOO_LARGE, nothing sent upstream', async () => {
    const { status, json } = await postRaw(
      { authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'big' },
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'x'.repeat(20_000) },
          { role: 'user', content: 'hi' },
        ],
      },
    );
    assert.equal(status, 413);
    assert.equal(json.error.code, 'TURNSTORE_CONTEXT_TOO_LARGE');
    const alone = await postRaw(
      { authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'big' },
      { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] },
    );
    assert.equal(alone.status, 413);
    assert.equal(upstream.requests.length, 0);
  });
});

describe('memory proxy: streams', () => {
  it('passes the stream through intact, and remembers it once complete', async () => {
    const stream = await proxy
      .client('streamer')
      .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
    const received: unknown[] = [];
    for await (const chunk of stream) received.push(chunk);
    const sent = upstream.streamedEvents
      .filter((event) => !event.includes('[DONE]'))
      .map((event) => JSON.parse(event.slice('data: '.length)));
    assert.deepEqual(received, sent);
    assert.deepEqual(contents(await proxy.store.get('streamer')), [
      'user: stream please',
      'assistant: You said "stream please"; I saw 1 messages.',
    ]);
  });

  it("the bytes are the upstream's, with its status and content type", async () => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'bytes' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'raw' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(await response.text(), upstream.streamedEvents.join(''));
  });

  it('chunks arrive as the upstream sends them, not when it finishes', async () => {
    upstream.behaviour = 'stall';
    const stream = await proxy
      .client('live')
      .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'slowly' }] });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.equal((first.value as any).choices[0].delta.role, 'assistant');
    stream.controller.abort();
    await upstream.requests.at(-1)!.closed;
  });

  it('the caller going away mid-stream stores nothing and stops the upstream', async () => {
    upstream.behaviour = 'stall';
    const stream = await proxy
      .client('leaver')
      .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'bye' }] });
    for await (const _ of stream) {
      stream.controller.abort();
      break;
    }
    await upstream.requests.at(-1)!.closed;
    assert.deepEqual(await proxy.store.get('leaver'), []);
  });

  it('a stream cut by the upstream reaches the caller as an error; nothing stored', async () => {
    upstream.behaviour = 'cut';
    const stream = await proxy
      .client('cut')
      .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'go' }] });
    await assert.rejects(async () => {
      for await (const _ of stream) {
        /* read until it fails */
      }
    });
    assert.deepEqual(await proxy.store.get('cut'), []);
  });
});

describe('memory proxy: failures', () => {
  it('upstream 500: its status and JSON body reach the caller; nothing stored', async () => {
    upstream.behaviour = 'error-json';
    const error = await proxy
      .client('fail')
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 500);
    assert.equal(error.message, '500 The fake upstream failed on purpose.');
    assert.equal((error.error as any).code, 'fake_failure');
    assert.deepEqual(await proxy.store.get('fail'), []);
  });

  it('upstream error without a JSON body: 502 TURNSTORE_UPSTREAM_UNAVAILABLE', async () => {
    upstream.behaviour = 'error-html';
    const { status, json } = await postRaw({ authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'html' });
    assert.equal(status, 502);
    assert.equal(json.error.code, 'TURNSTORE_UPSTREAM_UNAVAILABLE');
    assert.match(json.error.message, /503/);
  });

  it('an upstream that never answers: 504 TURNSTORE_UPSTREAM_TIMEOUT after upstreamTimeoutMs; nothing stored', async () => {
    upstream.behaviour = 'hang';
    const started = performance.now();
    const { status, json } = await postRaw({ authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'hang' });
    assert.equal(status, 504);
    assert.equal(json.error.code, 'TURNSTORE_UPSTREAM_TIMEOUT');
    assert.ok(performance.now() - started >= 290);
    assert.deepEqual(await proxy.store.get('hang'), []);
  });

  it('an unreachable upstream: 502 TURNSTORE_UPSTREAM_UNAVAILABLE, its address not revealed', async () => {
    const dead = await startFakeUpstream();
    const deadUrl = dead.url;
    await dead.close();
    const orphan = await startProxy({ upstream: deadUrl });
    try {
      const response = await fetch(`${orphan.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-conversation-id': 'c' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      });
      const json = (await response.json()) as any;
      assert.equal(response.status, 502);
      assert.equal(json.error.code, 'TURNSTORE_UPSTREAM_UNAVAILABLE');
      assert.ok(!json.error.message.includes(new URL(deadUrl).port));
    } finally {
      await orphan.close();
    }
  });
});

describe('memory proxy: requests it refuses', () => {
  it('no X-Conversation-Id: 400 TURNSTORE_INVALID_ID; nothing sent upstream', async () => {
    const error = await new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: TOKEN, maxRetries: 0 }).chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 400);
    assert.equal((error.error as any).code, 'TURNSTORE_INVALID_ID');
    assert.match(error.message, /X-Conversation-Id/);
    assert.equal(upstream.requests.length, 0);
  });

  it('a body nested deeper than the service takes: 400 TURNSTORE_BAD_REQUEST naming it; nothing sent upstream or stored', async () => {
    const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const bodies = [
      // Found by the outside fuzz: 502 TURNSTORE_UPSTREAM_UNAVAILABLE, the stack overflowing while the body was serialized.
      `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${deep(5000)}}`,
      `{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":${deep(100_000)}}`,
      `{"model":"m","messages":[{"role":"user","content":[${'['.repeat(5000)}${']'.repeat(5000)}]}]}`,
      `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${deep(MAX_BODY_DEPTH)}}`,
    ];
    for (const body of bodies) {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'deep' },
        body,
      });
      const json = (await response.json()) as any;
      assert.equal(response.status, 400, JSON.stringify(json));
      assert.equal(json.error.code, 'TURNSTORE_BAD_REQUEST');
      assert.match(json.error.message, new RegExp(`nested more than ${MAX_BODY_DEPTH} levels deep`));
    }
    assert.equal(upstream.requests.length, 0, 'the upstream saw no request');
    assert.deepEqual(await proxy.store.get('deep'), []);
    // One level less is a body like any other.
    const fits = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'deep' },
      body: `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${deep(MAX_BODY_DEPTH - 2)}}`,
    });
    assert.equal(fits.status, 200);
    assert.equal(upstream.requests.length, 1);
  });

  it('an id the store would refuse: 400 TURNSTORE_INVALID_ID', async () => {
    const { status, json } = await postRaw({ authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'x'.repeat(257) });
    assert.equal(status, 400);
    assert.equal(json.error.code, 'TURNSTORE_INVALID_ID');
  });

  it('no messages, or a message without a role: 400 TURNSTORE_INVALID_TURN', async () => {
    for (const body of [{ model: 'm' }, { model: 'm', messages: [{ content: 'x' }] }, { model: 'm', messages: 'hi' }]) {
      const { status, json } = await postRaw({ authorization: `Bearer ${TOKEN}`, 'x-conversation-id': 'bad' }, body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(json.error.code, 'TURNSTORE_INVALID_TURN');
    }
  });

  it("the caller's token is checked and never sent upstream; the upstream key is", async () => {
    const refused = await proxy
      .client('auth', 'wrong-token')
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    assert.ok(refused instanceof OpenAI.APIError);
    assert.equal(refused.status, 401);
    assert.equal(upstream.requests.length, 0);

    await proxy.client('auth').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const { headers } = upstream.requests[0]!;
    assert.equal(headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.ok(!JSON.stringify(headers).includes(TOKEN));
    assert.equal(headers['x-conversation-id'], undefined);
  });

  it('without an upstream the route does not exist', async () => {
    const plain = await startProxy({ upstream: upstream.url });
    await plain.close();
    const { inProcess } = await import('../server/support/in-process.js');
    const service = await inProcess();
    try {
      const response = await service.call('POST', '/v1/chat/completions', {
        body: { model: 'm', messages: [] },
        headers: { 'x-conversation-id': 'c' },
      });
      assert.equal(response.status, 404);
    } finally {
      await service.close();
    }
  });
});
