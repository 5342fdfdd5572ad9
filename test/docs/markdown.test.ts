/**
 * The Markdown helpers the docs tests stand on: a page without the heading, or without the code
 * block, must make them throw — that is what turns a moved or deleted example into a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anchorOf, anchorsOf, assertShowsVerbatim, codeBlocksOf, headingsOf, linkTargetsOf, sectionOf, type MarkdownFile } from './markdown.js';

const page: MarkdownFile = {
  path: 'docs/page.md',
  text: [
    '# Page',
    '',
    'Intro.',
    '',
    '## Service',
    '',
    '```sh',
    '# Append a turn',
    'curl -s http://127.0.0.1:8080/v1/stats',
    '# {"conversations":0}',
    '```',
    '',
    '### Detail',
    '',
    '````md',
    '```js',
    'nested();',
    '```',
    '````',
    '',
    '## Options',
    '',
    'Prose mentioning run(); inline, not a block.',
    '',
  ].join('\n'),
};

describe('Markdown helpers', () => {
  it('finds headings outside code blocks only', () => {
    assert.deepEqual(
      headingsOf(page.text).map((h) => `${h.level} ${h.title}`),
      ['1 Page', '2 Service', '3 Detail', '2 Options'],
    );
  });

  it('a section runs to the next heading of its level or higher, and includes its subsections', () => {
    const service = sectionOf(page, '## Service');
    assert.ok(service.startsWith('## Service'));
    assert.ok(service.includes('### Detail'));
    assert.ok(!service.includes('## Options'));
    assert.equal(sectionOf(page, '# Page'), page.text);
  });

  it('throws when the heading is missing, or only a shell comment in a code block, or at another level', () => {
    assert.throws(() => sectionOf(page, '## Token windows'), /docs\/page\.md has no "## Token windows" section/);
    assert.throws(() => sectionOf(page, '## Append a turn'), /has no "## Append a turn" section/);
    assert.throws(() => sectionOf(page, '# Append a turn'), /has no "# Append a turn" section/);
    assert.throws(() => sectionOf(page, '# Service'), /has no "# Service" section/);
    assert.throws(() => sectionOf(page, 'Service'), /not a Markdown heading line/);
  });

  it('reads code blocks without their fences, a longer fence holding a shorter one', () => {
    assert.deepEqual(codeBlocksOf(page.text), [
      '# Append a turn\ncurl -s http://127.0.0.1:8080/v1/stats\n# {"conversations":0}',
      '```js\nnested();\n```',
    ]);
  });

  it('accepts an example shown verbatim as a whole code block of its section, trailing newlines aside', () => {
    const example = '# Append a turn\ncurl -s http://127.0.0.1:8080/v1/stats\n# {"conversations":0}\n';
    assert.doesNotThrow(() => assertShowsVerbatim(page, '## Service', example, 'service.sh'));
    assert.doesNotThrow(() => assertShowsVerbatim(page, '# Page', example, 'service.sh'));
  });

  it('refuses an example that is missing, only part of a block, in prose, or under another heading', () => {
    const missingHeading = /docs\/page\.md has no "## Quickstart" section/;
    assert.throws(() => assertShowsVerbatim(page, '## Quickstart', 'anything', 'quickstart.mjs'), missingHeading);
    const notShown = /docs\/page\.md: none of the 2 code block\(s\) under "## Service" is x\.sh verbatim/;
    assert.throws(() => assertShowsVerbatim(page, '## Service', 'curl -s http://127.0.0.1:8080/v1/stats', 'x.sh'), notShown);
    assert.throws(() => assertShowsVerbatim(page, '## Service', '# {"conversations":1}', 'x.sh'), notShown);
    assert.throws(() => assertShowsVerbatim(page, '## Options', 'nested();', 'y.js'), /none of the 0 code block\(s\) under "## Options"/);
    assert.throws(() => assertShowsVerbatim(page, '## Options', 'Prose mentioning run(); inline, not a block.', 'z.js'), /none of the 0/);
  });

  it('gives headings the anchors GitHub gives them', () => {
    assert.equal(anchorOf('Rich turns: tool calls, attachments, metadata'), 'rich-turns-tool-calls-attachments-metadata');
    assert.equal(anchorOf('SQLite — `turnstore/sqlite`'), 'sqlite--turnstoresqlite');
    assert.equal(anchorOf("Backends: LangChain's Redis"), 'backends-langchains-redis');
    assert.equal(anchorOf('Decision 6: the sliding TTL'), 'decision-6-the-sliding-ttl');
    assert.deepEqual([...anchorsOf('# A\n## Usage\n## Usage\n```\n# Usage\n```\n## Usage')], ['a', 'usage', 'usage-1', 'usage-2']);
  });

  it('finds link and image targets in prose, not in code', () => {
    const text = 'See [a](docs/a.md#x) and ![chart](docs/c.svg "title").\n`[not](a-link.md)`\n```\n[nor](this.md)\n```\n[b](https://example.com)';
    assert.deepEqual(linkTargetsOf(text), ['docs/a.md#x', 'docs/c.svg', 'https://example.com']);
  });
});
