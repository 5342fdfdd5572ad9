/**
 * What the proxy sends upstream: the request's instructions, then the newest stored history that
 * fits the token budget, then the request's other messages.
 */
import { contextWindow, type TokenCounter, type TurnLike } from '../../core/context-window.js';
import { isTurnstoreError } from '../../core/errors.js';
import { ROLES, type Role, type Turn } from '../../core/types.js';
import { textOf, type ChatMessage, type SplitMessages } from '../../openai-compatible/chat-messages.js';
import { HttpError } from '../http-errors.js';

const asRole = (role: string): Role => ((ROLES as readonly string[]).includes(role) ? (role as Role) : 'user');

/**
 * The `messages` to send upstream for a request split into `split`, over the stored `history`.
 *
 * The budget is `contextTokens` for everything: the request's own messages are counted first and
 * always sent (they are what the caller asks now), and the history gets what is left, chosen by
 * `contextWindow` with the request's instructions as its system turns. When the request alone
 * needs more than the budget, it fails with 413 `TURNSTORE_CONTEXT_TOO_LARGE`: sending it would
 * overflow the model's context, which servers answer by an error or, worse, by silently cutting
 * the start of the prompt — the instructions.
 */
export function promptMessages(split: SplitMessages, history: readonly Turn[], contextTokens: number, countTokens: TokenCounter): ChatMessage[] {
  const { instructions, conversation } = split;
  let conversationTokens = 0;
  for (const message of conversation) conversationTokens += countTokens({ role: asRole(message.role), content: textOf(message.content) });
  const tooLarge = (detail: string) =>
    new HttpError('TURNSTORE_CONTEXT_TOO_LARGE', `The request's own messages ${detail}, more than the ${contextTokens} tokens the proxy may send (--context-tokens); shorten them or raise the budget.`);
  if (conversationTokens > contextTokens) throw tooLarge(`take about ${conversationTokens} tokens`);

  // The request's instructions go to contextWindow as system turns, so it keeps them and fits the
  // history around them; they are told apart from stored turns by identity.
  const instructionTurns: TurnLike[] = instructions.map((message) => ({ role: 'system', content: textOf(message.content) }));
  let window: TurnLike[];
  try {
    window = contextWindow<TurnLike>([...instructionTurns, ...history], { maxTokens: contextTokens - conversationTokens, countTokens });
  } catch (error) {
    if (isTurnstoreError(error, 'TURNSTORE_INVALID_OPTION') && /system turn/.test(error.message)) {
      throw tooLarge(`(${instructions.length} instruction${instructions.length === 1 ? '' : 's'} and ${conversation.length} other${conversation.length === 1 ? '' : 's'}) need more tokens`);
    }
    throw error;
  }
  const fromRequest = new Set(instructionTurns);
  const remembered = window.filter((turn) => !fromRequest.has(turn)).map(({ role, content }): ChatMessage => ({ role, content }));
  return [...instructions, ...remembered, ...conversation];
}
