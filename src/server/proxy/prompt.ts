/**
 * What the proxy sends upstream: the request's instructions, then the newest stored history that
 * fits the token budget, then the stored tool calls the request answers (if any), then the
 * request's other messages.
 */
import { contextWindow, type TokenCounter, type TurnLike } from '../../core/context-window.js';
import { isTurnstoreError } from '../../core/errors.js';
import { textOf, type ChatMessage } from '../../openai-compatible/chat-messages.js';
import { messageOfTurn, turnOfMessage, type TurnToRender } from '../../openai-compatible/chat-turns.js';
import { HttpError } from '../http-errors.js';
import type { Exchange } from './exchange.js';

/** What goes upstream, and how much stored history did not fit. */
export interface Prompt {
  readonly messages: ChatMessage[];
  /** Stored turns (before the exchange in progress) left out for the budget: 0 when the whole history went. */
  readonly leftOut: number;
}

/**
 * The `messages` to send upstream for a request with `instructions`, read against the stored
 * history as `exchange`.
 *
 * The budget is `contextTokens` for everything: the request's own messages (with the stored
 * tool-call turn they answer, which must precede them) are counted first and always sent (they are
 * what the caller asks now), and the history gets what is left, chosen by `contextWindow` with the
 * request's instructions as its system turns. When the request alone needs more than the budget,
 * it fails with 413 `TURNSTORE_CONTEXT_TOO_LARGE`: sending it would overflow the model's context,
 * which servers answer by an error or, worse, by silently cutting the start of the prompt — the
 * instructions.
 *
 * `countTokens` is given turns with their extras; messages are counted as the turns they would be
 * stored as, so a message costs the same before and after it is stored. `contextWindow` keeps
 * tool exchanges whole: it never returns a call without all its results or a result without its
 * call, so what is sent upstream is always a valid tool conversation.
 */
export function promptMessages(
  instructions: readonly ChatMessage[],
  exchange: Exchange,
  contextTokens: number,
  countTokens: TokenCounter,
): Prompt {
  const { conversation, inProgress, earlier } = exchange;
  let ownTokens = 0;
  for (const message of conversation) ownTokens += countTokens(turnOfMessage(message).turn);
  for (const turn of inProgress) ownTokens += countTokens(turn);
  const tooLarge = (detail: string) =>
    new HttpError(
      'TURNSTORE_CONTEXT_TOO_LARGE',
      `The request's own messages ${detail}, more than the ${contextTokens} tokens the proxy may send (--context-tokens); shorten them or raise the budget.`,
    );
  if (ownTokens > contextTokens)
    throw tooLarge(`${inProgress.length > 0 ? '(with the tool calls they answer) ' : ''}take about ${ownTokens} tokens`);

  // The request's instructions go to contextWindow as system turns, so it keeps them and fits the
  // history around them; they are told apart from stored turns by identity.
  const instructionTurns: TurnLike[] = instructions.map((message) => ({ role: 'system', content: textOf(message.content) }));
  let window: TurnLike[];
  try {
    window = contextWindow<TurnLike>([...instructionTurns, ...earlier], { maxTokens: contextTokens - ownTokens, countTokens });
  } catch (error) {
    if (isTurnstoreError(error, 'TURNSTORE_INVALID_OPTION') && /system turn/.test(error.message)) {
      const others = conversation.length + inProgress.length;
      throw tooLarge(
        `(${instructions.length} instruction${instructions.length === 1 ? '' : 's'} and ${others} other${others === 1 ? '' : 's'}) need more tokens`,
      );
    }
    throw error;
  }
  const fromRequest = new Set(instructionTurns);
  const remembered = (window.filter((turn) => !fromRequest.has(turn)) as TurnToRender[]).map(messageOfTurn);
  return {
    messages: [...instructions, ...remembered, ...inProgress.map(messageOfTurn), ...conversation],
    leftOut: earlier.length - remembered.length,
  };
}
