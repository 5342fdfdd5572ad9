/**
 * How the memory proxy counts a message's tokens, tool calls and attachments included, with the
 * counter it was given (which sees `{role, content}` only).
 */
import type { TokenCounter, TurnLike } from '../../core/context-window.js';
import type { TurnExtras } from '../../core/types.js';

/**
 * Tokens an attachment is taken to cost, whatever it is: what OpenAI charges for a 1024×1024 image
 * at high detail (85 + 4 tiles × 170). Pictures sent to small local models cost less (256 to 576
 * tokens on common vision models); audio and PDFs can cost more. No counter can know without
 * decoding the file, and the proxy does not decode files.
 */
export const ESTIMATED_TOKENS_PER_ATTACHMENT = 765;

/**
 * A counter for turns with extras, built on `countTokens`: a turn is counted as one message whose
 * text is its content, its `toolCallId`, and each tool call's id, name and arguments (the JSON text,
 * which is what the model reads), plus {@link ESTIMATED_TOKENS_PER_ATTACHMENT} per attachment.
 * `countTokens` only ever sees `{role, content}`, so a counter that knows nothing of tool calls
 * still prices them, and none prices them twice. A plain turn is handed to `countTokens` as it is.
 */
export function promptTokenCounter(countTokens: TokenCounter): TokenCounter {
  return (turn: TurnLike & TurnExtras) => {
    const { toolCalls, toolCallId, attachments } = turn;
    let text = turn.content;
    if (toolCallId !== undefined) text = `${toolCallId}\n${text}`;
    if (toolCalls) for (const call of toolCalls) text += `\n${call.id} ${call.name} ${call.arguments}`;
    const tokens = countTokens(text === turn.content && !attachments ? turn : { role: turn.role, content: text });
    return attachments ? tokens + attachments.length * ESTIMATED_TOKENS_PER_ATTACHMENT : tokens;
  };
}
