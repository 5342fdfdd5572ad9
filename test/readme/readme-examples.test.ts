/**
 * The library examples of the README and docs/ (quickstart, a SqliteStore, rich turns, token
 * windows, testing with a clock, the conformance suite, LangChain, the AI SDK and its persistence
 * guide's route), run as they are written. Each lives in test/readme/examples/ and is run with Node
 * from the repository, where `turnstore` resolves to this package itself (through its `exports`)
 * and the peers to node_modules — or, for an example of a peer project (the route on ai 7), from a
 * copy inside that project, where they resolve to its peers.
 *
 * The page named for each example must show it verbatim, as a code block under the heading named:
 * a page that loses the heading or the block fails the test, so the docs cannot drift from what is
 * tested (test/docs/markdown.test.ts shows the check failing on a page without them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertShowsVerbatim, readMarkdown } from '../docs/markdown.js';
import { peerProject } from '../support/peer-project.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Timestamps differ from run to run: every `ts: <seconds>` prints as the one the comments show. */
const normalize = (line: string) => line.replace(/\bts: \d+(\.\d+)?/g, 'ts: 1763930000.123');

interface Example {
  readonly file: string;
  /** The page that shows it, and the heading of the section it is under. */
  readonly page: string;
  readonly heading: string;
  /** Lines its output must hold (after {@link normalize}); each, unless quoted, shown in a comment of the code. */
  readonly stdout: readonly string[];
  /** Patterns its whole output must match too, for output whose form depends on the runtime. */
  readonly stdoutMatches?: readonly RegExp[];
  /** Lines it may print on stderr; anything else there fails. Default: none. */
  readonly stderr?: RegExp;
  /** Run in a fresh temporary folder (it writes files) instead of the repository; default false. */
  readonly inTempDir?: boolean;
  /**
   * Run in this peer project (test/peer-projects/<name>), so its imports resolve that project's
   * peers (ai 7 rather than the root's ai 6); skipped, with why, on a Node it does not support.
   */
  readonly project?: string;
}

const EXAMPLES: Example[] = [
  {
    file: 'quickstart.mjs',
    page: 'README.md',
    heading: '## Quickstart',
    stdout: ["{ role: 'user', content: 'Hello', ts: 1763930000.123 }", 'Hello | Hi! | What is the capital of France? | Paris.'],
  },
  {
    file: 'sqlite-store.mjs',
    page: 'README.md',
    heading: '## Choose a store',
    stdout: ["[ { role: 'user', content: 'Hello', ts: 1763930000.123 } ]"],
    inTempDir: true,
  },
  {
    file: 'rich-turns.mjs',
    page: 'docs/rich-turns.md',
    heading: '# Rich turns: tool calls, attachments, metadata',
    stdout: ['get_weather call_1', "[ 'role', 'content', 'ts', 'toolCalls', 'metadata' ]", "[ 'role', 'content', 'ts' ]", 'true'],
  },
  // Its checks are its own asserts: it prints nothing, and exits 1 if one fails.
  { file: 'injected-clock.mjs', page: 'docs/testing.md', heading: '# Testing with an injected clock', stdout: [] },
  // The whole conformance suite on a MemoryStore, with node:test's own report on stdout.
  {
    file: 'conformance.mjs',
    page: 'docs/testing.md',
    heading: '# Testing with an injected clock',
    stdout: [],
    // node:test's report: TAP (`# pass 103`) or, on newer Node, the spec reporter's summary (`ℹ pass 103`).
    stdoutMatches: [/^(#|ℹ) pass [1-9]\d*$/m, /^(#|ℹ) fail 0$/m],
    // The suite checks that a throwing onEvict becomes a process warning, not a failure.
    stderr:
      /^\(node:\d+\) TurnstoreWarning: .*\(expected by the conformance suite\)$|^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)$/,
  },
  {
    file: 'token-windows.mjs',
    page: 'docs/token-windows.md',
    heading: '# Token windows',
    stdout: ["[ 'system', 'user', 'assistant' ]", '36'],
  },
  {
    file: 'langchain.mjs',
    page: 'docs/langchain.md',
    heading: '# LangChain',
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
    page: 'docs/ai-sdk.md',
    heading: '# Vercel AI SDK',
    stdout: [
      'It is 21°C in Paris.',
      'I was sent: system, user, assistant, tool, assistant, user.',
      'user assistant tool assistant user assistant',
    ],
  },
  ...(['ai-sdk-ui-route.mjs', 'ai-sdk-ui-route-7.mjs'] as const).map((file): Example => ({
    file,
    page: 'docs/ai-sdk.md',
    heading: file.endsWith('-7.mjs')
      ? "## UI messages: the persistence guide's route on ai 7"
      : "## UI messages: the persistence guide's route",
    stdout: [
      'user What is the weather in Paris?',
      'assistant step-start | tool-weather | step-start | It is 21°C.',
      'user Thanks!',
      'assistant step-start | You sent 6 messages.',
      'user assistant tool assistant user assistant',
    ],
    ...(file.endsWith('-7.mjs') ? { project: 'ai-7' } : {}),
  })),
];

describe('README and docs/ examples', () => {
  for (const example of EXAMPLES) {
    const path = join(root, 'test', 'readme', 'examples', example.file);
    const code = readFileSync(path, 'utf8');

    const project = example.project === undefined ? undefined : peerProject(example.project);
    const skip = project !== undefined && 'skip' in project ? project.skip : false;
    it(`${example.file} runs and prints what its comments say`, { skip }, () => {
      let cwd = example.inTempDir ? mkdtempSync(join(tmpdir(), 'turnstore-example-')) : root;
      let script = path;
      if (project !== undefined && !('skip' in project)) {
        // Imports resolve from the script's folder: a copy inside the project's node_modules finds its peers.
        cwd = project.dir;
        script = join(project.dir, 'node_modules', '.turnstore-examples', example.file);
        mkdirSync(dirname(script), { recursive: true });
        writeFileSync(script, code);
      }
      // A child of a `node --test` run would report to this runner instead of printing its own report.
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      const result = spawnSync(process.execPath, [script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
      if (example.inTempDir) rmSync(cwd, { recursive: true, force: true });
      const unexpected = result.stderr.split('\n').filter((line) => line !== '' && !example.stderr?.test(line));
      assert.deepEqual(unexpected, []);
      assert.equal(result.status, 0);
      const lines = result.stdout
        .split('\n')
        .map((line) => normalize(line.trim()))
        .filter(Boolean);
      for (const expected of example.stdout)
        assert.ok(lines.includes(expected), `missing ${JSON.stringify(expected)} in:\n${result.stdout}`);
      for (const pattern of example.stdoutMatches ?? []) assert.match(result.stdout, pattern);
      // The comment after each console.log shows its output; keep the two in step.
      for (const expected of example.stdout.filter((line) => !line.startsWith("'"))) {
        assert.ok(code.includes(`// ${expected}`), `${example.file} should show ${JSON.stringify(expected)} in a comment`);
      }
    });

    it(`${example.page} "${example.heading}" shows ${example.file} verbatim`, () => {
      assertShowsVerbatim(readMarkdown(root, example.page), example.heading, code, `test/readme/examples/${example.file}`);
    });
  }
});
