/**
 * Citations of the contract in code ("SPEC §" and a section number, a range of them, or
 * "decision" and one or more decision numbers) and the headings of docs/spec.md they must name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { headingsOf } from './markdown.js';

/** One citation found in a source file. */
export interface SpecReference {
  readonly kind: 'section' | 'decision';
  readonly number: number;
  /** Where it was found, as `path:line`. */
  readonly where: string;
}

/** The section and decision numbers docs/spec.md has headings for (`## 3. Operations`, `### Decision 6: …`). */
export interface SpecHeadings {
  readonly sections: ReadonlySet<number>;
  readonly decisions: ReadonlySet<number>;
}

// "SPEC §" and a number, or a range of two (an en dash or a hyphen between them).
const SECTION_CITATION = /\bSPEC §(\d+)(?:\s*[–-]\s*§(\d+))?/g;
// "decision" and a number, or "decisions" and a list of them (commas, "and" or "&" between).
const DECISION_CITATION = /\b[Dd]ecisions? (\d+(?:(?:\s*,\s*|\s+and\s+|\s*&\s*)\d+)*)/g;

/** The citations in `text`, a file found at `path`. */
export function referencesIn(text: string, path: string): SpecReference[] {
  const references: SpecReference[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${path}:${index + 1}`;
    for (const match of line.matchAll(SECTION_CITATION)) {
      const first = Number(match[1]);
      const last = match[2] === undefined ? first : Number(match[2]);
      for (let number = first; number <= Math.max(first, last); number++) references.push({ kind: 'section', number, where });
    }
    for (const match of line.matchAll(DECISION_CITATION)) {
      for (const number of match[1]!.match(/\d+/g)!) references.push({ kind: 'decision', number: Number(number), where });
    }
  });
  return references;
}

/** The numbered sections and decisions docs/spec.md has headings for. */
export function specHeadingsOf(spec: string): SpecHeadings {
  const sections = new Set<number>();
  const decisions = new Set<number>();
  for (const { level, title } of headingsOf(spec)) {
    const section = level === 2 ? /^(\d+)\. \S/.exec(title) : null;
    if (section) sections.add(Number(section[1]));
    const decision = level === 3 ? /^Decision (\d+): \S/.exec(title) : null;
    if (decision) decisions.add(Number(decision[1]));
  }
  return { sections, decisions };
}

/** The references that name no heading, each as a line for the failure message. */
export function unresolved(references: readonly SpecReference[], headings: SpecHeadings): string[] {
  return references
    .filter((reference) => !(reference.kind === 'section' ? headings.sections : headings.decisions).has(reference.number))
    .map((reference) => `${reference.where}: ${reference.kind === 'section' ? `SPEC §${reference.number}` : `decision ${reference.number}`}`);
}

const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs|sh|py)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'results', '.git']);

/** Every source file under `folders` of `root` (results, builds and installed packages left out), relative to `root`. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(path);
      } else if (SOURCE_FILE.test(entry.name)) {
        found.push(relative(root, path));
      }
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return found.sort();
}

/** Every citation in the source files under `folders` of `root`. */
export function referencesUnder(root: string, folders: readonly string[]): SpecReference[] {
  return sourceFiles(root, folders).flatMap((path) => referencesIn(readFileSync(join(root, path), 'utf8'), path));
}
