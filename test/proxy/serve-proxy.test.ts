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
});
