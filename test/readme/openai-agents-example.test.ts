/**
 * The OpenAI Agents SDK example of docs/openai-agents.md (test/readme/examples/openai-agents.mjs),
 * run as it is written in a user's project: the peer project test/peer-projects/openai-agents,
 * where `@openai/agents` is installed (it needs Node.js 22: skipped on 20) and `turnstore` is the
 * built package. The page must show the file verbatim, and each output line its comment says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertShowsVerbatim, readMarkdown } from '../docs/markdown.js';
import { peerProject } from '../support/peer-project.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const file = join(root, 'test', 'readme', 'examples', 'openai-agents.mjs');
const code = readFileSync(file, 'utf8');
const project = peerProject('openai-agents');

const STDOUT = [
  'Paris is 21°C and sunny.',
  'You asked about Paris. 5',
  'user: What is the weather in Paris?',
  'assistant: weather({"city":"Paris"})',
  'tool (call_1): Paris: 21°C, sunny',
  'assistant: Paris is 21°C and sunny.',
  'user: Which city did I ask about?',
  'assistant: You asked about Paris.',
];
// The SDK says so on stderr when no OpenAI key is set for its traces; nothing else may be there.
const STDERR = /^No API key provided for OpenAI tracing exporter\. Exports will be skipped$/;

describe('docs/openai-agents.md example', () => {
  it(
    'openai-agents.mjs runs in a project with @openai/agents and prints what its comments say',
    { skip: 'skip' in project ? project.skip : false },
    () => {
      if ('skip' in project) return;
      // Inside the project's node_modules, so its imports resolve in the project, as a user's file would.
      const dir = join(project.dir, 'node_modules', '.examples');
      mkdirSync(dir, { recursive: true });
      copyFileSync(file, join(dir, 'openai-agents.mjs'));
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      delete env.OPENAI_API_KEY;
      const result = spawnSync(process.execPath, [join(dir, 'openai-agents.mjs')], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      assert.deepEqual(
        result.stderr.split('\n').filter((line) => line !== '' && !STDERR.test(line)),
        [],
      );
      assert.equal(result.status, 0);
      const lines = result.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      assert.deepEqual(lines, [...STDOUT, 'You asked about Paris. 5']);
      for (const expected of STDOUT)
        assert.ok(code.includes(`// ${expected}`), `the example should show ${JSON.stringify(expected)} in a comment`);
    },
  );

  it('docs/openai-agents.md "# OpenAI Agents SDK" shows openai-agents.mjs verbatim', () => {
    assertShowsVerbatim(readMarkdown(root, 'docs/openai-agents.md'), '# OpenAI Agents SDK', code, 'test/readme/examples/openai-agents.mjs');
  });
});
