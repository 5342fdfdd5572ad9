/**
 * The conversation the LLM benchmark windows: one system prompt, then user and assistant turns
 * alternating, with lengths and words drawn from a fixed seed so every run sees the same text.
 */
import type { Role, TurnLike } from '../../src/index.js';
import { seededRandom } from '../run-support.js';

const WORDS = (
  'the a to of and in is it you that for on with as this be are at have not can what how do we your will was from by an or about ' +
  'lighthouse keeper weather storm harbour ship light night morning question answer remember tell please thanks again maybe ' +
  'function return value array string number error test build deploy server memory conversation token window model context ' +
  'Paris Berlin Tokyo café naïve résumé 2026 42 3.14 #1 — “quoted” (aside) e.g. i.e. self-hosted Raspberry Pi'
).split(' ');

/** Roughly `words` words of chat-like text. */
function sentence(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]!);
  return `${out.join(' ')}.`;
}

/**
 * `turns` turns: a system prompt, then user turns of 5–40 words and assistant turns of 20–150
 * words, alternating (the user speaks first).
 */
export function benchConversation(turns: number, seed = 20260101): TurnLike[] {
  const next = seededRandom(seed); // the same text on every machine
  const conversation: TurnLike[] = [
    {
      role: 'system',
      content: 'You are a helpful assistant for a lighthouse keeper. Answer briefly and kindly; say when you do not know.',
    },
  ];
  for (let i = 1; i < turns; i++) {
    const role: Role = i % 2 === 1 ? 'user' : 'assistant';
    const words = role === 'user' ? 5 + Math.floor(next() * 36) : 20 + Math.floor(next() * 131);
    conversation.push({ role, content: sentence(next, words) });
  }
  return conversation;
}
