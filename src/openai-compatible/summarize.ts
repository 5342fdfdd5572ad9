/**
 * A summariser for `summarizeOldest` that asks an OpenAI-compatible chat model: the memory proxy's
 * `--summarize` and the chat CLI's use it with the model they already talk to (docs/memory-proxy.md).
 */
import type { Turn } from '../core/types.js';
import { replyOfCompletion } from './chat-stream.js';

/** The instructions sent with every summary request unless replaced (`--summary-prompt-file`); docs/memory-proxy.md quotes them. */
export const DEFAULT_SUMMARY_PROMPT = `You keep the running summary of a conversation between a user and an assistant. You are given the summary so far (it may be empty) and the next part of the conversation. Write the new summary: short, in the third person, in the language of the conversation, keeping every fact the assistant may need later (names, preferences, decisions, numbers, open questions, what tools returned) and leaving out small talk. Answer with the summary only.`;

/** Where and how to ask for a summary. */
export interface SummaryModel {
  /** The chat completions endpoint, e.g. http://127.0.0.1:11434/v1/chat/completions */
  readonly completionsUrl: string;
  /** Headers of the request (JSON content type, the key). */
  readonly headers: Readonly<Record<string, string>>;
  readonly model: unknown;
  /** The system message: {@link DEFAULT_SUMMARY_PROMPT} or its replacement. */
  readonly prompt: string;
  /** Longest wait for the whole answer, in milliseconds. */
  readonly timeoutMs: number;
}

/** One turn as a line of the summary request: its role, its text, and what it called or answered. */
function lineOf(turn: Turn): string {
  let line = `${turn.role}: ${turn.content}`;
  if (turn.toolCalls?.length) line += ` [called ${turn.toolCalls.map((call) => `${call.name}(${call.arguments})`).join(', ')}]`;
  if (turn.toolCallId !== undefined) line += ` [result of ${turn.toolCallId}]`;
  return line;
}

/** The user message of a summary request: the summary so far, then the turns to fold into it, one per line. */
export function summaryRequestText(previousSummary: string | undefined, turns: readonly Turn[]): string {
  return `Summary so far:\n${previousSummary ?? '(none)'}\n\nConversation to fold in:\n${turns.map(lineOf).join('\n')}`;
}

/**
 * `summarize(previousSummary, turns)` for {@link summarizeOldest}, asking `model` (one chat
 * completion, not streamed). Rejects when the model answers an error, no text, or nothing in time:
 * `summarizeOldest` then changes nothing.
 */
export function modelSummarizer(model: SummaryModel): (previousSummary: string | undefined, turns: Turn[]) => Promise<string> {
  return async (previousSummary, turns) => {
    const response = await fetch(model.completionsUrl, {
      method: 'POST',
      headers: model.headers,
      body: JSON.stringify({
        model: model.model,
        messages: [
          { role: 'system', content: model.prompt },
          { role: 'user', content: summaryRequestText(previousSummary, turns) },
        ],
        stream: false,
      }),
      signal: AbortSignal.timeout(model.timeoutMs),
    });
    const payload = await response.text();
    if (!response.ok) throw new Error(`the upstream answered the summary request ${response.status}: ${payload.slice(0, 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      throw new Error(`the upstream answered the summary request with a body that is not JSON: ${payload.slice(0, 300)}`);
    }
    const text = replyOfCompletion(body)?.text.trim() ?? '';
    if (text === '') throw new Error('the upstream answered the summary request without text');
    return text;
  };
}
