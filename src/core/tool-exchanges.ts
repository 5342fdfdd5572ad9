/**
 * `ToolExchanges`: which tool results answer which assistant turn's tool calls, in a history handed
 * to `contextWindow`, so that the window can keep each exchange whole or leave it out whole.
 */
import { TurnstoreError } from './errors.js';
import { describe } from './options.js';
import type { Role, ToolCall } from './types.js';

/** {@link ToolExchanges.ownerOf} of a turn outside any exchange. */
export const NO_EXCHANGE = -1;
/** {@link ToolExchanges.ownerOf} of an orphan, a turn a window must never emit. */
export const ORPHAN = -2;

/** What pairing reads of a turn: its role and the two linking fields (the rest is not looked at). */
interface LinkedTurn {
  readonly role: Role;
  readonly toolCalls?: readonly ToolCall[] | undefined;
  readonly toolCallId?: string | undefined;
}

/** The assistant turn whose calls a call id currently names, and whether a result answered that call yet. */
interface OpenCall {
  readonly owner: number;
  answered: boolean;
}

/**
 * The tool exchanges of one history. Built only when some turn carries `toolCalls` or
 * `toolCallId` (a history of plain turns never allocates one), by {@link ToolExchanges.add} for
 * each such turn in order, oldest first.
 *
 * Pairing rule: a `tool` turn answers the **nearest earlier** assistant turn whose `toolCalls` hold
 * an entry with its `toolCallId` (some providers reuse ids such as `call_0` from one reply to the
 * next, so the newest call with that id is the one answered). An exchange is that assistant turn
 * plus every tool turn answering it; it is *complete* when each of its distinct call ids is
 * answered at least once.
 *
 * Orphans, which a window must never emit: a tool turn whose id names no earlier call (its call
 * is older than the history, or was never stored); an assistant turn with a call no later tool
 * turn answers (the results are missing, or not appended yet); and the tool turns answering such an
 * incomplete assistant turn.
 */
export class ToolExchanges {
  /**
   * Per turn: 0 when the turn takes no part in an exchange (a plain turn, or a `tool` turn without
   * `toolCallId`, as the seed stored them), -1 for a tool turn answering no known call, or
   * `owner + 1` for a member of the exchange of the assistant turn at `owner` (itself included).
   */
  readonly #link: Int32Array;
  /** Per assistant turn with calls: how many of its distinct call ids no result has answered yet. */
  readonly #unanswered: Int32Array;
  readonly #openCalls = new Map<string, OpenCall>();

  constructor(length: number) {
    this.#link = new Int32Array(length);
    this.#unanswered = new Int32Array(length);
  }

  /**
   * Records the turn at `index` (turns must be added oldest first). Throws `TURNSTORE_INVALID_TURN`
   * naming the field when `toolCalls` is not a list of `{id, name, arguments}` strings or sits on a
   * turn that is not `assistant`, or `toolCallId` is not a string or sits on a turn that is not `tool`.
   */
  add(turn: LinkedTurn, index: number): void {
    const { role, toolCalls, toolCallId } = turn;
    if (toolCalls !== undefined) {
      if (!Array.isArray(toolCalls))
        throw invalidTurn(`the toolCalls of turns[${index}] must be an array of {id, name, arguments}; got ${describe(toolCalls)}.`);
      // An empty list is the same as none (the rule stores follow), so only a non-empty one needs an assistant.
      if (toolCalls.length > 0) {
        if (role !== 'assistant') throw invalidTurn(`turns[${index}] (role ${role}) has toolCalls; only assistant turns make tool calls.`);
        let distinct = 0;
        for (let j = 0; j < toolCalls.length; j++) {
          const call: unknown = toolCalls[j];
          checkCall(call, index, j);
          const id = (call as ToolCall).id;
          const open = this.#openCalls.get(id);
          // A repeated id within one turn is one call to answer, not two.
          if (open === undefined || open.owner !== index) {
            this.#openCalls.set(id, { owner: index, answered: false });
            distinct++;
          }
        }
        this.#link[index] = index + 1;
        this.#unanswered[index] = distinct;
      }
    }
    if (toolCallId !== undefined) {
      if (typeof toolCallId !== 'string')
        throw invalidTurn(`the toolCallId of turns[${index}] must be a string; got ${describe(toolCallId)}.`);
      if (role !== 'tool') throw invalidTurn(`turns[${index}] (role ${role}) has a toolCallId; only tool turns answer a call.`);
      const open = this.#openCalls.get(toolCallId);
      if (open === undefined) {
        this.#link[index] = -1;
      } else {
        this.#link[index] = open.owner + 1;
        if (!open.answered) {
          open.answered = true;
          this.#unanswered[open.owner] = this.#unanswered[open.owner]! - 1;
        }
      }
    }
  }

  /**
   * The index of the assistant turn whose exchange the turn at `index` belongs to (its own index
   * for that assistant turn); {@link NO_EXCHANGE} for a turn outside any exchange; {@link ORPHAN}
   * for an orphan. Meaningful once every turn has been added.
   */
  ownerOf(index: number): number {
    const link = this.#link[index]!;
    if (link === 0) return NO_EXCHANGE;
    if (link < 0 || this.#unanswered[link - 1]! > 0) return ORPHAN;
    return link - 1;
  }
}

function checkCall(call: unknown, index: number, position: number): void {
  if (call === null || typeof call !== 'object') {
    throw invalidTurn(`turns[${index}].toolCalls[${position}] must be an object {id, name, arguments}; got ${describe(call)}.`);
  }
  for (const field of ['id', 'name', 'arguments'] as const) {
    const value = (call as Record<string, unknown>)[field];
    if (typeof value !== 'string')
      throw invalidTurn(`the ${field} of turns[${index}].toolCalls[${position}] must be a string; got ${describe(value)}.`);
  }
}

function invalidTurn(message: string): TurnstoreError {
  return new TurnstoreError('TURNSTORE_INVALID_TURN', `contextWindow: ${message}`);
}
