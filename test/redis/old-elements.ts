/**
 * List elements exactly as RedisStore wrote them at eb520f8 (before turns had extras), captured
 * with LRANGE from a store of that commit (ttlSeconds 0, prefix `old`, one conversation `chat`),
 * which then held, in `{old}:bytes`, `{old}:turns` and `{old}:meta`, 82 bytes and 5 turns.
 */
export const OLD_ELEMENTS = [
  '21796327935734 You are terse.',
  '01796327935736 Weather in Zürich? 🌧',
  '11796327935736 ',
  '31796327935737 {"temp": 7} 4:12 x',
  '01796327935737   two spaces\nand a newline',
];
/** The turns the store of eb520f8 returned from `get` for {@link OLD_ELEMENTS}. */
export const OLD_TURNS = [
  { role: 'system', content: 'You are terse.', ts: 1796327935.734 },
  { role: 'user', content: 'Weather in Zürich? 🌧', ts: 1796327935.736 },
  { role: 'assistant', content: '', ts: 1796327935.736 },
  { role: 'tool', content: '{"temp": 7} 4:12 x', ts: 1796327935.737 },
  { role: 'user', content: '  two spaces\nand a newline', ts: 1796327935.737 },
];
/** The content bytes the old store counted for {@link OLD_ELEMENTS}. */
export const OLD_BYTES = 82;
/** The conversation's score in `{old}:lru` (its last touch, server time in µs). */
export const OLD_SCORE = 1796327935737578;
