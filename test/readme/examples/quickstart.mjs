import { MemoryStore } from 'turnstore';

const memory = new MemoryStore({
  maxTurns: 8, // newest turns kept per conversation
  ttlSeconds: 3600, // idle conversations forgotten after an hour
  maxConversations: 500, // least recently used out first
});

// Add messages; the conversation is created on first use
await memory.append('conv1', 'user', 'Hello');
await memory.append('conv1', 'assistant', 'Hi!');

// A user message and its reply, stored together or not at all
await memory.appendMany('conv1', [
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
]);

// Get history, oldest first; ts is Unix time in seconds
const turns = await memory.get('conv1');
console.log(turns[0]);
// { role: 'user', content: 'Hello', ts: 1763930000.123 }
console.log(turns.map((turn) => turn.content).join(' | '));
// Hello | Hi! | What is the capital of France? | Paris.

await memory.close(); // stops the expiry timer
