import type { Turn } from '../../core/types.js';

/**
 * The turns without the tool results whose call is not among them. A store's `maxTurns` drops the
 * oldest turns, so it can drop the assistant turn that made a call and keep its results, at the
 * start of the history; providers refuse a tool message that answers no call in the request
 * (OpenAI: "messages with role 'tool' must be a response to a preceding message with
 * 'tool_calls'"), so those results are left out. A tool turn without a `toolCallId` (stored by an
 * older turnstore, or by hand) names no call and is kept. Returns `turns` itself when nothing is
 * left out.
 */
export function withoutOrphanToolResults(turns: readonly Turn[]): readonly Turn[] {
  const calls = new Set<string>();
  let kept: Turn[] | undefined;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.toolCalls) for (const call of turn.toolCalls) calls.add(call.id);
    const orphan = turn.role === 'tool' && turn.toolCallId !== undefined && !calls.has(turn.toolCallId);
    if (orphan && kept === undefined) kept = turns.slice(0, i);
    else if (!orphan && kept !== undefined) kept.push(turn);
  }
  return kept ?? turns;
}
