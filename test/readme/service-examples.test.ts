/**
 * The README's curl examples of the HTTP service, run as they are written against the real
 * `turnstore serve` (on a free port instead of 8080), each output compared with the comment under
 * it (timestamps aside). Once the README has its "## Service" section, its code blocks must be these
 * files verbatim; before that the check is skipped with a message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startService, type Service } from '../server/support/service-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
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

const EXAMPLES: Array<{ file: string; env: Record<string, string> }> = [
  { file: 'service.sh', env: {} },
  { file: 'service-tools.sh', env: {} },
  { file: 'service-token.sh', env: { TURNSTORE_TOKEN: 's3cret-token' } },
];

describe('README service examples', { skip: curlMissing }, () => {
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

    const inReadme = readme.includes('## Service');
    it(
      `README.md "## Service" shows ${example.file} verbatim`,
      { skip: inReadme ? false : 'README.md has no "## Service" section yet' },
      () => {
        assert.ok(readme.includes(text.trimEnd()), `a code block under "## Service" should be test/readme/examples/${example.file}`);
      },
    );
  }
});
