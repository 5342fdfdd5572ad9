/**
 * The Responses API example of docs/memory-proxy.md, run as it is written (with `TURNSTORE_URL`
 * pointing at a proxy in this process, in front of the fake upstream, which says how many messages
 * it saw): each second request must carry the first exchange upstream, and the page must show the
 * script verbatim.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertShowsVerbatim, readMarkdown } from '../docs/markdown.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/support/fake-upstream.js';
import { startProxy, type ProxyServer } from '../proxy/support/proxy-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const path = join(root, 'test', 'readme', 'examples', 'proxy-responses.mjs');
const code = readFileSync(path, 'utf8');

let upstream: FakeUpstream;
let proxy: ProxyServer;
before(async () => {
  upstream = await startFakeUpstream();
  proxy = await startProxy({ upstream: upstream.url });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});

describe('Responses API example (docs/memory-proxy.md)', () => {
  it('proxy-responses.mjs chains by previous_response_id and by conversation', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path], {
      cwd: root,
      env: { ...process.env, TURNSTORE_URL: proxy.url },
      timeout: 60_000,
    });
    assert.equal(stderr, '');
    assert.deepEqual(stdout.trim().split('\n'), [
      'You said "What is my name?"; I saw 3 messages.',
      'You said "Where do I live?"; I saw 3 messages.',
    ]);
    const sent = upstream.requests.map((request) => request.body.messages.map((message: { content: string }) => message.content));
    assert.deepEqual(sent[1], ['Hi, I am Ada.', 'You said "Hi, I am Ada."; I saw 1 messages.', 'What is my name?']);
    assert.deepEqual(sent[3], ['I live in Paris.', 'You said "I live in Paris."; I saw 1 messages.', 'Where do I live?']);
    assert.equal((await proxy.store.get('ada')).length, 4);
  });

  it('docs/memory-proxy.md shows proxy-responses.mjs verbatim', () => {
    assertShowsVerbatim(readMarkdown(root, 'docs/memory-proxy.md'), '# Memory proxy', code, 'test/readme/examples/proxy-responses.mjs');
  });
});
