/**
 * What every store shares for a conversation's summary and `compact` (docs/spec.md, decision 16):
 * checking a `compact` call before anything changes, and comparing what the caller saw with what
 * the store holds. The stores do the comparing inside their own atomic step.
 */
import { invalidOptionError, TurnstoreError } from './errors.js';
import { EXTRA_FIELDS } from './turn-extras.js';
import { checkOptions, optionKeys } from './options.js';
import type { CompactOptions, Turn } from './types.js';
import { utf8ByteLength } from './utf8.js';
import { roleIndex } from './validate.js';

/** A turn of `seen`, reduced to what a store compares: role, content, time and extras as stored. */
export interface SeenTurn {
  /** Index of the role in ROLES. */
  readonly role: number;
  readonly content: string;
  /** As `get` handed it out: seconds. */
  readonly ts: number;
  /** The JSON text of its extras in the stored order, or `null` for a plain turn. */
  readonly extras: string | null;
}

/** A `compact` call, checked. */
export interface CheckedCompaction {
  readonly summary: string;
  /** UTF-8 bytes of the new summary: what it counts against the byte budget. */
  readonly summaryBytes: number;
  /** The summary the caller saw, or `undefined` when it saw none. */
  readonly seenSummary: { readonly content: string; readonly ts: number } | undefined;
  /** The turns to remove, as the caller saw them, oldest first, through `through`: at least one. */
  readonly covered: readonly SeenTurn[];
}

const COMPACT_OPTION_KEYS = optionKeys<CompactOptions>({ summary: true, through: true, seen: true });

/** The JSON text a store keeps for a handed-out turn's extras, or `null` for a plain turn. */
export function extrasTextOf(turn: Turn): string | null {
  let stored: Record<string, unknown> | undefined;
  // In the order extras are stored (a summary has none).
  for (const key of EXTRA_FIELDS) {
    const value = turn[key];
    if (value === undefined) continue;
    stored ??= {};
    stored[key] = value;
  }
  return stored === undefined ? null : JSON.stringify(stored);
}

function badOption(option: string, problem: string): Error {
  return invalidOptionError({ owner: 'compact', option, problem });
}

function badValue(option: string, problem: string, value: unknown): Error {
  return invalidOptionError({ owner: 'compact', option, problem, value });
}

/** A turn of `seen`, checked as far as comparing needs: a turn shape as `get` hands out. */
function seenTurn(value: unknown, index: number): SeenTurn {
  if (value === null || typeof value !== 'object') throw badValue(`seen[${index}]`, 'must be a turn as get handed it out', value);
  const turn = value as Turn;
  const role = roleIndex(turn.role);
  if (role < 0 || typeof turn.content !== 'string' || typeof turn.ts !== 'number' || !Number.isFinite(turn.ts)) {
    throw badOption(`seen[${index}]`, 'must be a turn as get handed it out: {role, content, ts, …}');
  }
  let extras: string | null;
  try {
    extras = extrasTextOf(turn);
  } catch (error) {
    throw invalidOptionError({ owner: 'compact', option: `seen[${index}]`, problem: 'has extras that are not JSON' }, { cause: error });
  }
  return { role, content: turn.content, ts: turn.ts, extras };
}

/**
 * Checks the options of `compact` before the store changes anything: an unknown key, a summary
 * that is not a well-formed string, `seen` that is not what `get` hands out, `through` not among
 * its turns (or the summary itself) are `TURNSTORE_INVALID_OPTION`; a summary over `maxTurnBytes`
 * is `TURNSTORE_TURN_TOO_LARGE`.
 */
export function checkCompactOptions(options: unknown, maxTurnBytes: number): CheckedCompaction {
  const raw = checkOptions(options, { owner: 'compact', known: COMPACT_OPTION_KEYS }) as Partial<CompactOptions>;
  const { summary, through, seen } = raw;
  if (typeof summary !== 'string') throw badValue('summary', 'must be a string', summary);
  const summaryBytes = utf8ByteLength(summary);
  if (summaryBytes < 0) throw badOption('summary', 'must be well-formed UTF-16 (it has a lone surrogate)');
  if (summaryBytes > maxTurnBytes) {
    throw new TurnstoreError('TURNSTORE_TURN_TOO_LARGE', `The summary is ${summaryBytes} UTF-8 bytes; maxTurnBytes is ${maxTurnBytes}.`);
  }
  if (!Array.isArray(seen)) throw badValue('seen', 'must be the array of turns get handed out', seen);
  const at = seen.indexOf(through);
  if (through === undefined || at < 0) {
    throw badValue('through', 'must be one of the turns of seen (the same object get handed out)', through);
  }
  const first: unknown = seen[0];
  const hasSummary = first !== null && typeof first === 'object' && (first as Turn).summary === true;
  if (at === 0 && hasSummary) throw badOption('through', 'must be a turn, not the summary');
  let seenSummary: CheckedCompaction['seenSummary'];
  if (hasSummary) {
    const turn = seenTurn(first, 0);
    if (turn.role !== roleIndex('system') || turn.extras !== null)
      throw badOption('seen[0]', 'is marked as the summary but is not one as get hands it out');
    seenSummary = { content: turn.content, ts: turn.ts };
  }
  const covered: SeenTurn[] = [];
  for (let i = hasSummary ? 1 : 0; i <= at; i++) {
    const turn: unknown = seen[i];
    if (turn !== null && typeof turn === 'object' && (turn as Turn).summary !== undefined) {
      throw badOption(`seen[${i}]`, 'is marked as a summary; only the first turn get hands out can be');
    }
    covered.push(seenTurn(turn, i));
  }
  return { summary, summaryBytes, seenSummary, covered };
}

/**
 * The first difference between what a conversation holds and what the caller saw, as a phrase for
 * {@link conflictError}, or `undefined` when it still begins with exactly what was seen. `turns`
 * gives the held turn at a place (oldest first), `undefined` past the end; it is asked for at most
 * `covered.length` places.
 */
export function compactionConflict(
  check: CheckedCompaction,
  summary: { readonly content: string; readonly ts: number } | undefined,
  heldTurns: number,
  turnAt: (index: number) => SeenTurn,
): string | undefined {
  const seen = check.seenSummary;
  if (seen === undefined ? summary !== undefined : summary === undefined || summary.content !== seen.content || summary.ts !== seen.ts) {
    return summary === undefined ? 'its summary is gone' : seen === undefined ? 'it has a summary now' : 'its summary changed';
  }
  if (heldTurns < check.covered.length) return `it holds ${heldTurns} turns, fewer than the ${check.covered.length} the summary covers`;
  for (let i = 0; i < check.covered.length; i++) {
    const held = turnAt(i);
    const saw = check.covered[i]!;
    if (held.role !== saw.role || held.content !== saw.content || held.ts !== saw.ts || held.extras !== saw.extras) {
      return `its turn ${i} is not the one seen there`;
    }
  }
  return undefined;
}

/** A turn as a store hands it out, reduced for comparing. */
export function seenOf(turn: Turn): SeenTurn {
  return { role: roleIndex(turn.role), content: turn.content, ts: turn.ts, extras: extrasTextOf(turn) };
}

/**
 * The id the adapters give the message that carries a conversation's summary (a LangChain
 * `SystemMessage`, an AI SDK UI message), by which they recognise it when it comes back, so that
 * they never store it as an ordinary turn.
 */
export const SUMMARY_MESSAGE_ID = 'turnstore-summary';

/** A conversation as `get` returned it, split into its summary (or `undefined`) and its turns. */
export function splitSummary(turns: readonly Turn[]): { summary: Turn | undefined; turns: readonly Turn[] } {
  return turns[0]?.summary === true ? { summary: turns[0], turns: turns.slice(1) } : { summary: undefined, turns };
}

/** The summary turn as `get` hands it out. */
export function summaryTurn(content: string, ts: number): Turn {
  return { role: 'system', content, ts, summary: true };
}
