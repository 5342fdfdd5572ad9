/**
 * The tool-loop example of docs/memory-proxy.md, run as it is written (with `TURNSTORE_URL`
 * pointing at a proxy in this process, in front of the fake upstream, which calls the tools it is
 * given). Its output is compared with its comment, the request after the loop must carry the whole
 * exchange upstream, and docs/memory-proxy.md must show the script verbatim (failing when it does not).
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
const path = join(root, 'test', 'readme', 'examples', 'proxy-tool-loop.mjs');
const code = readFileSync(path, 'utf8');
const ROLES_LINE = "[ 'user', 'assistant', 'tool', 'assistant' ]";

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

describe('memory proxy example (docs/memory-proxy.md)', () => {
  it('proxy-tool-loop.mjs runs the loop, prints what its comment says, and the next request carries the exchange', async () => {
    // Asynchronously: the proxy and the upstream answer from this process's event loop.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path], {
      cwd: root,
      env: { ...process.env, TURNSTORE_URL: proxy.url },
      timeout: 60_000,
    });
    assert.equal(stderr, '');
    const lines = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    assert.equal(lines[0], ROLES_LINE);
    assert.ok(code.includes(`// ${ROLES_LINE}`), 'the comment under console.log should show its output');

    const sent = upstream.requests.map((request) => request.body.messages);
    assert.equal(sent.length, 3);
    const [call] = sent[1][1].tool_calls;
    assert.deepEqual(sent[2], [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '18 °C and sunny in What is the weather in Paris?' },
      { role: 'assistant', content: 'The tools said "18 °C and sunny in What is the weather in Paris?"; I saw 3 messages.' },
      { role: 'user', content: 'Do I need a coat?' },
    ]);
    assert.equal(lines[1], 'You said "Do I need a coat?"; I saw 5 messages.');
  });

  it('docs/memory-proxy.md shows proxy-tool-loop.mjs verbatim', () => {
    assertShowsVerbatim(readMarkdown(root, 'docs/memory-proxy.md'), '# Memory proxy', code, 'test/readme/examples/proxy-tool-loop.mjs');
  });
});
