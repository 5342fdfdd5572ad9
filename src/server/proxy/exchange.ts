/**
 * How a request to the memory proxy continues the stored conversation: which of its messages are
 * new (to remember with the reply), which it merely resends, and which stored turns must go
 * upstream with it because its tool results answer them.
 *
 * The rules, in order:
 * 1. **A resent tool-call message.** The last assistant message of the request whose `tool_calls`
 *    ids are all stored already is the proxy's own turn sent back (a client that keeps the loop's
 *    messages and sends them again): it and every message before it are taken as stored, and
 *    neither sent nor stored again. Call ids are unique, so this cannot catch a message by chance.
 * 2. **A resent tool result.** A `tool` message answering a call whose result is stored already is
 *    dropped the same way.
 * 3. **The exchange in progress.** When the stored history ends with an assistant turn that calls
 *    tools (and perhaps some of its results), and what is left of the request opens with `tool`
 *    messages answering its calls, those stored turns go upstream whole, right before the
 *    request's messages, counted with them (a tool result must follow its call, so they cannot be
 *    left to the history's budget).
 * 4. **What is new.** The user messages at the end of what is left; and when everything before
 *    them is tool results answering the exchange in progress, those results too. They are stored
 *    with the reply, as one `appendMany`. Nothing new (a request ending with an assistant message,
 *    or with tool results for calls the proxy never saw) means nothing is stored.
 */
import type { Turn, TurnInput } from '../../core/types.js';
import type { ChatMessage } from '../../openai-compatible/chat-messages.js';
import { turnOfMessage } from '../../openai-compatible/chat-turns.js';

/** A request read against the stored history. */
export interface Exchange {
  /** The stored turns before the exchange in progress: what `contextWindow` chooses from. */
  readonly earlier: readonly Turn[];
  /** The stored tool-call turn (with any results stored after it) that the request's tool messages answer; empty when they answer none. */
  readonly inProgress: readonly Turn[];
  /** The request's non-instruction messages to send upstream: all of them but those it resends. */
  readonly conversation: readonly ChatMessage[];
  /** The request's messages to store with the reply, as turns; empty when it says nothing new. */
  readonly newTurns: readonly TurnInput[];
  /** Content parts of the new messages that could not be kept (a `file_id`, an unknown part type). */
  readonly partsLeftOut: number;
}

const callIds = (message: ChatMessage): string[] | undefined => {
  if (message.role !== 'assistant' || !Array.isArray(message.tool_calls) || message.tool_calls.length === 0) return undefined;
  return (message.tool_calls as Array<{ id?: unknown } | null>).map((call) => (typeof call?.id === 'string' ? call.id : ''));
};

/** Reads `conversation` (a request's non-instruction messages) against the stored `history`. */
export function readExchange(conversation: readonly ChatMessage[], history: readonly Turn[]): Exchange {
  const storedCalls = new Set<string>();
  const answered = new Set<string>();
  for (const turn of history) {
    if (turn.toolCalls) for (const call of turn.toolCalls) storedCalls.add(call.id);
    if (turn.toolCallId !== undefined) answered.add(turn.toolCallId);
  }

  // 1 and 2: what the request resends.
  let resentUpTo = -1;
  for (let i = conversation.length - 1; i >= 0; i--) {
    const ids = callIds(conversation[i]!);
    if (ids && ids.every((id) => storedCalls.has(id))) {
      resentUpTo = i;
      break;
    }
  }
  const fresh = conversation
    .slice(resentUpTo + 1)
    .filter((message) => !(message.role === 'tool' && typeof message.tool_call_id === 'string' && answered.has(message.tool_call_id)));

  // 3: the stored exchange in progress, and the leading tool messages of the request that answer it.
  let open = history.length;
  while (open > 0 && history[open - 1]!.role === 'tool') open--;
  const caller = open > 0 ? history[open - 1] : undefined;
  let answers = 0;
  if (caller?.role === 'assistant' && caller.toolCalls) {
    const waiting = new Set(caller.toolCalls.map((call) => call.id));
    for (let i = open; i < history.length; i++) waiting.delete(history[i]!.toolCallId!);
    while (answers < fresh.length) {
      const message = fresh[answers]!;
      if (message.role !== 'tool' || typeof message.tool_call_id !== 'string' || !waiting.delete(message.tool_call_id)) break;
      answers++;
    }
  }
  const pinnedFrom = answers > 0 ? open - 1 : history.length;

  // 4: what is new.
  let firstUser = fresh.length;
  while (firstUser > 0 && fresh[firstUser - 1]!.role === 'user') firstUser--;
  const newMessages = fresh.slice(answers === firstUser ? 0 : firstUser);
  let partsLeftOut = 0;
  const newTurns = newMessages.map((message) => {
    const { turn, leftOut } = turnOfMessage(message);
    partsLeftOut += leftOut;
    return turn;
  });

  return { earlier: history.slice(0, pinnedFrom), inProgress: history.slice(pinnedFrom), conversation: fresh, newTurns, partsLeftOut };
}
