/**
 * The curl examples of the HTTP service in the README and docs/service.md, run as they are written
 * against the real `turnstore serve` (on a free port instead of 8080), each output compared with
 * the comment under it (timestamps aside). The page named for each must show it verbatim under its
 * heading; a page without the heading or the block fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertShowsVerbatim, readMarkdown } from '../docs/markdown.js';
import { startService, type Service } from '../server/support/service-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const curlMissing = spawnSync('curl', ['--version']).status === 0 ? undefined : 'curl is not installed';

/** One command of an example file and the output its comment shows. */
interface Step {
  readonly command: string;
  readonly expected: string;
}

/** The commands of an example file: `curl` lines (with `\` continuations), each followed by `# output` lines. */
function stepsOf(text: string): Step[] {
  const lines = text.split('\n');
  const steps: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('curl ')) continue;
    const command = [lines[i]!];
    while (command.at(-1)!.endsWith('\\')) command.push(lines[++i]!);
    const expected: string[] = [];
    while (lines[i + 1]?.startsWith('# ')) expected.push(lines[++i]!.slice(2));
    steps.push({ command: command.join('\n'), expected: expected.join('\n') });
  }
  return steps;
}

/** Timestamps differ from run to run; everything else must match. */
const normalize = (output: string) => output.trim().replace(/"(ts|lastAccess)":[0-9.]+/g, '"$1":0');

const EXAMPLES: Array<{ file: string; env: Record<string, string>; page: string; heading: string }> = [
  { file: 'service-short.sh', env: {}, page: 'README.md', heading: '## The service' },
  { file: 'service.sh', env: {}, page: 'docs/service.md', heading: '## The routes, by example' },
  { file: 'service-tools.sh', env: {}, page: 'docs/service.md', heading: '## Turns with tool calls, attachments and metadata' },
  { file: 'service-token.sh', env: { TURNSTORE_TOKEN: 's3cret-token' }, page: 'docs/service.md', heading: '## A token' },
];

describe('README and docs/service.md curl examples', { skip: curlMissing }, () => {
  for (const example of EXAMPLES) {
    const text = readFileSync(join(root, 'test', 'readme', 'examples', example.file), 'utf8');

    describe(example.file, () => {
      let service: Service;
      before(async () => {
        service = await startService([], example.env);
      });
      after(() => service.stop());

      it('every command prints what its comment shows', () => {
        const steps = stepsOf(text);
        assert.ok(steps.length > 0);
        for (const step of steps) {
          const command = step.command.replaceAll('http://127.0.0.1:8080', service.url);
          const result = spawnSync('bash', ['-c', command], { encoding: 'utf8', timeout: 10_000 });
          assert.equal(result.status, 0, `${step.command}\n${result.stderr}`);
          assert.equal(normalize(result.stdout), normalize(step.expected), step.command);
        }
      });
    });
  }
});

// Not under curl's skip: a page that lost its example fails on any machine.
describe('the pages show the curl examples verbatim', () => {
  for (const example of EXAMPLES) {
    it(`${example.page} "${example.heading}" shows ${example.file} verbatim`, () => {
      const text = readFileSync(join(root, 'test', 'readme', 'examples', example.file), 'utf8');
      assertShowsVerbatim(readMarkdown(root, example.page), example.heading, text, `test/readme/examples/${example.file}`);
    });
  }
});
