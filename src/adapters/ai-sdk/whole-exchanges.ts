/**
 * Which turns to send so that no tool exchange goes out cut in half. The AI SDK refuses an
 * assistant tool call without its result (`MissingToolResultsError`, ai 6) and providers refuse a
 * tool result whose call is not before it; a store's `maxTurns` cuts exchanges at the start of a
 * conversation, and an app may have stored a call whose results never came.
 */
import type { ToolCall } from '../../core/types.js';

/** What this needs of a turn. */
interface ExchangeTurn {
  readonly role: string;
  readonly toolCalls?: readonly ToolCall[];
  readonly toolCallId?: string;
}

/**
 * `keep[i]` for each turn: false for a tool turn whose call is not in an earlier assistant turn,
 * and for an assistant turn with tool calls that are not all answered by later tool turns —
 * together with the results it has. Everything else is kept (tool turns without a `toolCallId`
 * too: what to do with those is the caller's rule).
 */
export function wholeExchanges(turns: readonly ExchangeTurn[]): boolean[] {
  const keep = turns.map(() => true);
  const callMaker = new Map<string, number>();
  const exchanges = new Map<number, { answered: Set<string>; results: number[] }>();
  turns.forEach((turn, index) => {
    if (turn.role === 'assistant' && turn.toolCalls !== undefined && turn.toolCalls.length > 0) {
      // A later call with the same id (some models reuse ids) is the one later results answer.
      for (const call of turn.toolCalls) callMaker.set(call.id, index);
      exchanges.set(index, { answered: new Set(), results: [] });
    } else if (turn.role === 'tool' && typeof turn.toolCallId === 'string') {
      const maker = callMaker.get(turn.toolCallId);
      const exchange = maker === undefined ? undefined : exchanges.get(maker);
      if (exchange === undefined) {
        keep[index] = false;
      } else {
        exchange.answered.add(turn.toolCallId);
        exchange.results.push(index);
      }
    }
  });
  for (const [maker, { answered, results }] of exchanges) {
    if (turns[maker]!.toolCalls!.every((call) => answered.has(call.id))) continue;
    keep[maker] = false;
    for (const result of results) keep[result] = false;
  }
  return keep;
}
