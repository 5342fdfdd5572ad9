/** The memory proxy as users run it: `turnstore serve --upstream …`, a real process, called by the openai client. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { runCli, startService } from '../server/support/service-process.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';

let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeUpstream();
});
after(async () => {
  await upstream.close();
});

describe('turnstore serve --upstream', () => {
  it('remembers through the real process; key from the environment, token checked, budget from a flag', async () => {
    const service = await startService(['--upstream', upstream.url, '--context-tokens', '2000'], {
      TURNSTORE_TOKEN: 'tok',
      TURNSTORE_UPSTREAM_KEY: 'up-key',
    });
    try {
      assert.match(
        service.startLine,
        new RegExp(`; token required on /v1; memory proxy to ${upstream.url.replace(/[.]/g, '\\.')}, contextTokens 2000\\)$`),
      );
      const client = new OpenAI({
        baseURL: `${service.url}/v1`,
        apiKey: 'tok',
        defaultHeaders: { 'X-Conversation-Id': 'cli' },
        maxRetries: 0,
      });
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'My name is Ada.' }] });
      const stream = await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'What is my name?' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'You said "What is my name?"; I saw 3 messages.');
      const last = upstream.requests.at(-1)!;
      assert.equal(last.body.messages[0].content, 'My name is Ada.');
      assert.equal(last.headers.authorization, 'Bearer up-key');
      // The stored exchange is visible through the service's own REST API too.
      const stored = (await fetch(`${service.url}/v1/conversations/cli`, { headers: { authorization: 'Bearer tok' } }).then((response) =>
        response.json(),
      )) as { turns: unknown[] };
      assert.equal(stored.turns.length, 4);
    } finally {
      const { code } = await service.stop();
      assert.equal(code, 0);
    }
  });

  it('proxy flags without --upstream, or a bad upstream, are usage errors (exit 2)', () => {
    for (const [args, env, message] of [
      [['--context-tokens', '100'], {}, /--context-tokens only applies to the memory proxy/],
      [[], { TURNSTORE_UPSTREAM_KEY: 'k' }, /TURNSTORE_UPSTREAM_KEY only applies to the memory proxy/],
      [['--upstream', 'localhost:11434'], {}, /--upstream cannot be used/],
      [['--upstream', 'http://x/v1', '--context-tokens', '0'], {}, /--context-tokens must be an integer ≥ 1/],
      [['--upstream', 'http://x/v1', '--upstream-timeout-ms', 'soon'], {}, /--upstream-timeout-ms must be an integer ≥ 1/],
    ] as Array<[string[], Record<string, string>, RegExp]>) {
      const result = runCli(['serve', ...args], env);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
  /** Posts one chat request to a service proxying to `upstreamUrl`; the 502's body and the service's error lines. */
  async function failedRequest(upstreamUrl: string, level: string) {
    const service = await startService(['--upstream', upstreamUrl, '--log-level', level]);
    try {
      const response = await fetch(`${service.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-conversation-id': 'c' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(response.status, 502);
      const text = await response.text();
      const errorLines = () =>
        service
          .output()
          .stdout.split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { level: number; msg?: string; err?: { message: string; stack: string } })
          .filter((entry) => entry.level === 50);
      // The line may reach this process through the pipe after the response did.
      for (let waited = 0; errorLines().length === 0 && waited < 5000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const errors = errorLines();
      assert.equal(errors.length, 1, service.output().stdout);
      assert.equal(errors[0]!.msg, 'request failed');
      return { text, err: errors[0]!.err! };
    } finally {
      await service.stop();
    }
  }

  for (const level of ['info', 'debug']) {
    it(`a 502 for a refused upstream: the service's error line names the cause (ECONNREFUSED and the address) at ${level}`, async () => {
      const dead = await startFakeUpstream();
      const deadUrl = dead.url;
      await dead.close();
      const { host } = new URL(deadUrl);
      const { text, err } = await failedRequest(deadUrl, level);
      assert.match(text, /the service's log says why/);
      assert.ok(!text.includes(host), 'the address stays out of the response');
      assert.match(err.message, /the service's log says why/);
      assert.match(err.message, new RegExp(`ECONNREFUSED ${host.replace(/[.]/g, '\\.')}`));
      assert.match(err.stack, /caused by: .*ECONNREFUSED/);
    });

    it(`a 502 for an upstream error without a JSON body: the error line has its status and the start of its body, at ${level}`, async () => {
      upstream.behaviour = 'error-html';
      try {
        const { text, err } = await failedRequest(upstream.url, level);
        assert.match(text, /503/);
        assert.ok(!text.includes('<html>'), 'the body stays out of the response');
        assert.match(err.message, /answered 503 \(text\/html\): <html><body>503 Service Unavailable/);
      } finally {
        upstream.behaviour = 'ok';
      }
    });
  }
});
