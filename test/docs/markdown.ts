/**
 * Just enough Markdown for the tests that hold the README and docs/ to the code: headings and code
 * blocks (a `#` line inside a fenced block is a shell comment, not a heading), sections, link
 * targets and GitHub's heading anchors. Every lookup that finds nothing throws, so a test built on
 * these fails when a page loses the heading or the code block it holds to; nothing here skips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Markdown file of the repository: its path from the root (as messages show it) and its text. */
export interface MarkdownFile {
  readonly path: string;
  readonly text: string;
}

/** One heading line outside code blocks. */
export interface Heading {
  /** 1 for `#`, 2 for `##`… */
  readonly level: number;
  /** The text after the hashes, trimmed. */
  readonly title: string;
  /** Index of its line in the file. */
  readonly line: number;
}

/** Reads `path` (relative to `root`) as a {@link MarkdownFile}. */
export function readMarkdown(root: string, path: string): MarkdownFile {
  return { path, text: readFileSync(join(root, path), 'utf8') };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$/;

/**
 * Every line of `text` with whether it lies in a fenced code block (the fence lines themselves
 * count as inside). A fence closes with a run of the same character at least as long.
 */
function linesWithFences(text: string): Array<{ readonly text: string; readonly fenced: boolean }> {
  const result: Array<{ text: string; fenced: boolean }> = [];
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line)?.[1];
    if (open === undefined && fence !== undefined) {
      open = fence;
      result.push({ text: line, fenced: true });
    } else if (open !== undefined) {
      if (closes(open, fence, line)) open = undefined;
      result.push({ text: line, fenced: true });
    } else {
      result.push({ text: line, fenced: false });
    }
  }
  return result;
}

/** The headings of `text`, in order, leaving out `#` lines inside code blocks. */
export function headingsOf(text: string): Heading[] {
  const headings: Heading[] = [];
  linesWithFences(text).forEach((line, index) => {
    if (line.fenced) return;
    const match = HEADING.exec(line.text);
    if (match) headings.push({ level: match[1]!.length, title: match[2]!.trim(), line: index });
  });
  return headings;
}

/**
 * The section of `file` under `heading` (the whole heading line, e.g. `'## Token windows'`): its
 * lines up to the next heading of the same or a higher level. Throws when the file has no such
 * heading outside code blocks.
 */
export function sectionOf(file: MarkdownFile, heading: string): string {
  const match = HEADING.exec(heading);
  if (!match) throw new Error(`${JSON.stringify(heading)} is not a Markdown heading line`);
  const level = match[1]!.length;
  const title = match[2]!.trim();
  const headings = headingsOf(file.text);
  const start = headings.findIndex((h) => h.level === level && h.title === title);
  if (start < 0) throw new Error(`${file.path} has no "${heading}" section`);
  const next = headings.slice(start + 1).find((h) => h.level <= level);
  const lines = file.text.split('\n');
  return lines.slice(headings[start]!.line, next?.line ?? lines.length).join('\n');
}

/** The contents of the fenced code blocks of `markdown`, without their fence lines, in order. */
export function codeBlocksOf(markdown: string): string[] {
  const blocks: string[] = [];
  let open: string | undefined;
  let current: string[] = [];
  for (const line of markdown.split('\n')) {
    const fence = FENCE.exec(line)?.[1];
    if (open === undefined) {
      if (fence !== undefined) [open, current] = [fence, []];
    } else if (closes(open, fence, line)) {
      blocks.push(current.join('\n'));
      open = undefined;
    } else {
      current.push(line);
    }
  }
  if (open !== undefined) blocks.push(current.join('\n'));
  return blocks;
}

/** Whether `line`, whose leading fence (if any) is `fence`, closes a block opened by `open`. */
function closes(open: string, fence: string | undefined, line: string): boolean {
  return fence !== undefined && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence;
}

/**
 * Throws unless one code block under `heading` in `file` is exactly `code` (trailing newlines
 * aside). `exampleName` names the script in the message.
 */
export function assertShowsVerbatim(file: MarkdownFile, heading: string, code: string, exampleName: string): void {
  const blocks = codeBlocksOf(sectionOf(file, heading));
  const wanted = code.trimEnd();
  if (blocks.some((block) => block.trimEnd() === wanted)) return;
  throw new Error(
    `${file.path}: none of the ${blocks.length} code block(s) under "${heading}" is ${exampleName} verbatim; ` +
      'change the page and the example together',
  );
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation and symbols dropped (letters, digits,
 * `_` and `-` kept), each space a hyphen. Repeats get `-1`, `-2`… (see {@link anchorsOf}).
 */
export function anchorOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of every heading of `text`, repeats numbered as GitHub numbers them. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { title } of headingsOf(text)) {
    const base = anchorOf(title);
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}

/** The targets of the inline links and images of `text`, outside code blocks and code spans. */
export function linkTargetsOf(text: string): string[] {
  const targets: string[] = [];
  for (const line of linesWithFences(text)) {
    if (line.fenced) continue;
    const prose = line.text.replace(/`+[^`]*`+/g, '');
    for (const match of prose.matchAll(/\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]!);
  }
  return targets;
}
