/**
 * The README is a path into docs/: every relative link in the README, CONTRIBUTING.md and docs/
 * must reach a file that exists (and a heading of it, when it names one), every page of docs/
 * must be linked from the README, and the README stays short.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchorsOf, linkTargetsOf, readMarkdown } from './markdown.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const docsPages = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const pages = ['README.md', 'CONTRIBUTING.md', ...docsPages];
const README_MAX_LINES = 320;

describe('links between the README and docs/', () => {
  for (const page of pages) {
    it(`${page}: every relative link reaches a file, and a heading when it names one`, () => {
      const { text } = readMarkdown(root, page);
      const broken: string[] = [];
      for (const target of linkTargetsOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
        if (!existsSync(join(root, file))) {
          broken.push(`${target}: no file ${file}`);
        } else if (anchor !== undefined && !anchorsOf(readMarkdown(root, file).text).has(anchor)) {
          broken.push(`${target}: ${file} has no heading with the anchor #${anchor}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }

  it('the README links to every page of docs/ and to CONTRIBUTING.md', () => {
    const linked = new Set(linkTargetsOf(readMarkdown(root, 'README.md').text).map((target) => target.split('#')[0]));
    const unlinked = [...docsPages, 'CONTRIBUTING.md'].filter((page) => !linked.has(page));
    assert.deepEqual(unlinked, []);
  });

  it(`the README stays within ${README_MAX_LINES} lines`, () => {
    const lines = readMarkdown(root, 'README.md').text.trimEnd().split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail to a page of docs/ and link it`);
  });
});
