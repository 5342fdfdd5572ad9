/** `npm run chat`: the terminal chatbot, with a script piped into it, against the fake upstream. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../server/support/service-process.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
import { isSummaryRequest, startFakeUpstream, type FakeUpstream } from '../proxy/support/fake-upstream.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CHAT = fileURLToPath(new URL('../../src/chat/main.js', import.meta.url));

/** Runs the chat with `script` on its stdin (a pipe, not a terminal); resolves when it exits. */
async function runChat(args: string[], script: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CHAT, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(script);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const temporary = tempDirForThisFile('turnstore-chat-');
let upstream: FakeUpstream;
before(async () => {
  upstream = await startFakeUpstream();
});
after(async () => {
  await upstream.close();
});

describe('npm run chat', () => {
  it('is the package script that runs this file', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    assert.match(manifest.scripts.chat!, /&& node dist\/src\/chat\/main\.js$/);
  });

  it('reads a piped script line by line, prints one reply each with the history sent, and exits at EOF', async () => {
    upstream.requests.length = 0;
    const result = await runChat(
      ['--upstream', upstream.url, '--model', 'llama3.2', '--system', 'Be brief.'],
      'My name is Ada.\n\nWhat is my name?\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.split('\n'), [
      'You said "My name is Ada."; I saw 2 messages.',
      'You said "What is my name?"; I saw 4 messages.',
      '',
    ]);
    const second = upstream.requests[1]!.body;
    assert.equal(second.model, 'llama3.2');
    assert.equal(second.stream, true);
    assert.deepEqual(
      second.messages.map((message: { role: string; content: string }) => `${message.role}: ${message.content}`),
      ['system: Be brief.', 'user: My name is Ada.', 'assistant: You said "My name is Ada."; I saw 2 messages.', 'user: What is my name?'],
    );
  });

  for (const summarize of [true, false]) {
    it(`with --summarize ${summarize ? 'the model folds what no longer fits into a summary, which the last request still carries' : 'off, what no longer fits is not sent'}`, async () => {
      upstream.requests.length = 0;
      const lines = ['Remember: my name is Ada.', ...Array.from({ length: 19 }, (_, i) => `Message ${i + 2}.`)];
      const result = await runChat(
        ['--upstream', upstream.url, '--context-tokens', '150', ...(summarize ? ['--summarize'] : [])],
        `${lines.join('\n')}\n`,
      );
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      const summaries = upstream.requests.filter((request) => isSummaryRequest(request.body));
      const chats = upstream.requests.filter((request) => !isSummaryRequest(request.body));
      assert.equal(chats.length, 20);
      const last = JSON.stringify(chats.at(-1)!.body.messages);
      if (summarize) {
        assert.ok(summaries.length > 0);
        assert.match(last, /my name is Ada/);
      } else {
        assert.equal(summaries.length, 0);
        assert.doesNotMatch(last, /Ada/);
      }
    });
  }

  it('with --store sqlite:PATH the conversation survives the process', async () => {
    const path = temporary.file('chat.db');
    await runChat(['--upstream', upstream.url, '--store', `sqlite:${path}`], 'First run.\n');
    const second = await runChat(['--upstream', upstream.url, '--store', `sqlite:${path}`], 'Second run.\n');
    assert.equal(second.stdout, 'You said "Second run."; I saw 3 messages.\n');
  });

  it('an upstream error is reported on stderr, not remembered, and the chat goes on', async () => {
    upstream.behaviour = 'error-json';
    const result = await runChat(['--upstream', upstream.url], 'one\n');
    upstream.behaviour = 'ok';
    assert.equal(result.code, 0);
    assert.match(result.stderr, /chat: the model server answered 500: .*not remembered/s);
  });
});
