import { summaryTurn, type SeenTurn } from '../core/compaction.js';
import type { StoredExtras } from '../core/turn-extras.js';
import { decodeExtras, turnWithExtras } from '../core/turn-extras.js';
import { ROLES, type Role, type Turn } from '../core/types.js';

/**
 * Turns as the scripts store them: one list element each.
 *
 * - A plain turn: `<role digit 0–3><ts ms> <content>` — the layout every version has written.
 * - A turn with extras: `<role digit + 4, 4–7><n>:<ts ms> <extras JSON><content>`, where `n` is
 *   the length of the extras' JSON text in UTF-16 code units (a JavaScript string's length), so
 *   reading it back is two slices.
 *
 * The header has no space and ends at the first one, so in both layouts everything after the
 * first space is what a turn's size counts — content bytes, plus the JSON text's bytes when there
 * is one — and the scripts count bytes as they always have (element length minus header), without
 * knowing which layout an element has. A plain turn costs exactly what it did before extras
 * existed. The scripts write the time (the server's); this side builds the header's other part
 * ({@link turnHeader}) and the body ({@link turnBody}), and reads elements back ({@link decodeTurn}).
 */

/** First digit of a turn with extras: the role's digit plus this. */
const EXTRAS_ROLE_OFFSET = 4;
/** Role index → the digit of a plain turn. */
const PLAIN_DIGITS = ['0', '1', '2', '3'];
/** Role index → the digit of a turn with extras. */
const EXTRAS_DIGITS = ['4', '5', '6', '7'];
/** Char code of '0'. */
const ZERO = 48;

/**
 * What the scripts put in front of the server time: the role's digit for a plain turn; for one
 * with extras, the shifted digit and the JSON text's length followed by `:`.
 */
export function turnHeader(roleIndex: number, extras: StoredExtras | undefined): string {
  return extras === undefined ? PLAIN_DIGITS[roleIndex]! : `${EXTRAS_DIGITS[roleIndex]!}${extras.json.length}:`;
}

/** What follows the header's space: the content, after the extras' JSON text when there is one. */
export function turnBody(content: string, extras: StoredExtras | undefined): string {
  return extras === undefined ? content : extras.json + content;
}

/** First digit of a conversation's summary: `8<ts ms> <summary>` (decision 16). */
const SUMMARY_DIGIT = 8;

/**
 * The element a turn as `get` handed it out (see {@link SeenTurn}) is stored as, for `compact` to
 * compare: '' (which no element is) when its `ts` is not a whole millisecond, as no stored one is.
 */
export function elementOfSeen(turn: SeenTurn): string {
  const ms = Math.round(turn.ts * 1000);
  if (ms / 1000 !== turn.ts) return '';
  return turn.extras === null
    ? `${PLAIN_DIGITS[turn.role]!}${ms} ${turn.content}`
    : `${EXTRAS_DIGITS[turn.role]!}${turn.extras.length}:${ms} ${turn.extras}${turn.content}`;
}

/** The element of a summary as `get` handed it out, or '' when its `ts` is not a whole millisecond. */
export function elementOfSummary(summary: { readonly content: string; readonly ts: number }): string {
  const ms = Math.round(summary.ts * 1000);
  return ms / 1000 === summary.ts ? `${SUMMARY_DIGIT}${ms} ${summary.content}` : '';
}

/** Decodes one stored element into a fresh {@link Turn}; extras come back parsed and frozen. */
export function decodeTurn(element: string): Turn {
  const digit = element.charCodeAt(0) - ZERO;
  if (digit < EXTRAS_ROLE_OFFSET) {
    const space = element.indexOf(' ', 1);
    return {
      role: ROLES[digit] as Role,
      content: element.slice(space + 1),
      ts: Number(element.slice(1, space)) / 1000,
    };
  }
  if (digit === SUMMARY_DIGIT) {
    const space = element.indexOf(' ', 1);
    return summaryTurn(element.slice(space + 1), Number(element.slice(1, space)) / 1000);
  }
  const colon = element.indexOf(':', 1);
  const space = element.indexOf(' ', colon + 1);
  const contentStart = space + 1 + Number(element.slice(1, colon));
  return turnWithExtras(
    ROLES[digit - EXTRAS_ROLE_OFFSET] as Role,
    element.slice(contentStart),
    Number(element.slice(colon + 1, space)) / 1000,
    decodeExtras(element.slice(space + 1, contentStart)),
  );
}

/** Decodes a conversation's elements, oldest first. */
export function decodeTurns(elements: readonly string[]): Turn[] {
  const turns = new Array<Turn>(elements.length);
  for (let i = 0; i < elements.length; i++) turns[i] = decodeTurn(elements[i]!);
  return turns;
}
