/** The turns the service benchmark stores and the shapes it sends. */
import { seededRandom } from '../core/content.js';

const WORDS = [
  'the',
  'memory',
  'of',
  'a',
  'chat',
  'keeps',
  'turns',
  'while',
  'idle',
  'ones',
  'expire',
  'on',
  'time',
  'and',
  'bytes',
  'stay',
  'bounded',
  'Pi',
];

/** Reproducible chat-like text of exactly `length` ASCII characters: words, spaces, punctuation. */
export function chatText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    text += WORDS[Math.floor(random() * WORDS.length)]!;
    text += random() < 0.1 ? '. ' : random() < 0.1 ? ', ' : ' ';
  }
  return text.slice(0, length);
}

/** The ids of the benchmark's conversations: all of one length, so every answer has one size. */
export const conversationId = (index: number): string => `c-${String(index).padStart(4, '0')}`;

/** A conversation as GET answers it, with `turnsEach` turns of `contentLength` characters. */
export function conversationBody(id: string, turnsEach: number, contentLength: number) {
  const random = seededRandom(1);
  const ts = 1763930000.123;
  return {
    id,
    turns: Array.from({ length: turnsEach }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: chatText(random, contentLength),
      ts,
    })),
  };
}

/** Reproducible turns to append, `count` of them. */
export function turnsToAppend(seed: number, count: number, contentLength: number): Array<{ role: string; content: string }> {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: chatText(random, contentLength) }));
}
