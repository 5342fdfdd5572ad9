/**
 * The README's examples for rich turns, token windows, LangChain and the AI SDK, run as they are written.
 * Each lives in test/readme/examples/ and is run with Node from the repository, where `turnstore`
 * resolves to this package itself (through its `exports`) and the peers to node_modules.
 *
 * Once the README carries a section, its code block must be the example file verbatim, so the
 * README cannot drift from what is tested; before that the check is skipped with a message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

const EXAMPLES = [
  {
    file: 'rich-turns.mjs',
    heading: '## Rich turns: tool calls, attachments, metadata',
    stdout: ['get_weather call_1', "[ 'role', 'content', 'ts', 'toolCalls', 'metadata' ]", "[ 'role', 'content', 'ts' ]", 'true'],
  },
  { file: 'token-windows.mjs', heading: '## Token windows', stdout: ["[ 'system', 'user', 'assistant' ]", '36'] },
  {
    file: 'langchain.mjs',
    heading: '## LangChain',
    stdout: [
      'Paris is 21°C and sunny.',
      'user: What is the weather in Paris?',
      'assistant: weather({"city":"Paris"})',
      'tool (call_1): Paris: 21°C, sunny',
      'assistant: Paris is 21°C and sunny.',
      "{ city: 'Paris' } call_1",
    ],
  },
  {
    file: 'ai-sdk.mjs',
    heading: '## Vercel AI SDK',
    stdout: [
      'It is 21°C in Paris.',
      'I was sent: system, user, assistant, tool, assistant, user.',
      'user assistant tool assistant user assistant',
    ],
  },
];

describe('README examples', () => {
  for (const example of EXAMPLES) {
    const path = join(root, 'test', 'readme', 'examples', example.file);
    const code = readFileSync(path, 'utf8');

    it(`${example.file} runs and prints what its comments say`, () => {
      const result = spawnSync(process.execPath, [path], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.stderr, '');
      assert.equal(result.status, 0);
      const lines = result.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      for (const expected of example.stdout)
        assert.ok(lines.includes(expected), `missing ${JSON.stringify(expected)} in:\n${result.stdout}`);
      // The comment after each console.log shows its output; keep the two in step.
      for (const expected of example.stdout.filter((line) => !line.startsWith("'"))) {
        assert.ok(code.includes(`// ${expected}`), `${example.file} should show ${JSON.stringify(expected)} in a comment`);
      }
    });

    const inReadme = readme.includes(example.heading);
    it(
      `README.md "${example.heading}" shows ${example.file} verbatim`,
      { skip: inReadme ? false : `README.md has no "${example.heading}" section yet` },
      () => {
        assert.ok(
          readme.includes(code.trimEnd()),
          `the code block under "${example.heading}" differs from test/readme/examples/${example.file}`,
        );
      },
    );
  }
});
