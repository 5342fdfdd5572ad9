/**
 * The contract lives in docs/spec.md: every citation of it in the code ("SPEC §" with a section
 * number, "decision" with a number) must name one of its headings, so a comment never points at a
 * rule nobody can read.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { referencesIn, referencesUnder, specHeadingsOf, unresolved } from './spec-references.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const spec = readFileSync(join(root, 'docs', 'spec.md'), 'utf8');
// Citations written in pieces, so the scan of this file finds only what the code really cites.
const cite = (...parts: string[]) => parts.join(' ');

describe('docs/spec.md and the citations of it in code', () => {
  it('reads single citations, ranges and lists of decisions', () => {
    const text = [
      `/** Options (${cite('SPEC', '§2')}). */`,
      `// the semantics of ${cite('SPEC', '§1–§3')}; see ${cite('decisions', '7, 8')} and ${cite('decision', '12')}`,
      `// RFC 9110 §11.1 is not the contract; nor is "the team's decision" without a number`,
    ].join('\n');
    assert.deepEqual(
      referencesIn(text, 'a.ts').map((r) => `${r.where} ${r.kind} ${r.number}`),
      ['a.ts:1 section 2', 'a.ts:2 section 1', 'a.ts:2 section 2', 'a.ts:2 section 3', 'a.ts:2 decision 7', 'a.ts:2 decision 8', 'a.ts:2 decision 12'],
    );
  });

  it('reports a citation that names no heading', () => {
    const headings = specHeadingsOf('# Contract\n## 1. Data\n## 2. Options\n## Decisions\n### Decision 1: turns\n```\n## 3. Not a heading\n```');
    assert.deepEqual([...headings.sections], [1, 2]);
    assert.deepEqual([...headings.decisions], [1]);
    const references = referencesIn(`// ${cite('SPEC', '§2')}, ${cite('SPEC', '§3')}, ${cite('decisions', '1 and 4')}`, 'b.ts');
    assert.deepEqual(unresolved(references, headings), [`b.ts:1: ${cite('SPEC', '§3')}`, `b.ts:1: ${cite('decision', '4')}`]);
  });

  it('has the seven numbered sections and the decisions, each heading once', () => {
    const headings = specHeadingsOf(spec);
    assert.deepEqual([...headings.sections], [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      [...headings.decisions],
      Array.from({ length: headings.decisions.size }, (_, i) => i + 1),
    );
    assert.ok(headings.decisions.size >= 14);
  });

  it('every citation in src/, test/, bench/ and scripts/ names a heading of docs/spec.md', () => {
    const references = referencesUnder(root, ['src', 'test', 'bench', 'scripts']);
    assert.ok(references.length > 30, `only ${references.length} citations found: is the scan looking in the right place?`);
    assert.deepEqual(unresolved(references, specHeadingsOf(spec)), []);
  });
});
