import { MemoryStore, contextWindow } from 'turnstore';
import { gptTokenCounter } from 'turnstore/tokenizers'; // needs: npm install gpt-tokenizer

const memory = new MemoryStore({ maxTurns: 100 });
await memory.appendMany('conv1', [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: 'Tell me a long story about a lighthouse keeper.' },
  { role: 'assistant', content: 'Once upon a time, on a rock far out at sea… '.repeat(40) },
  { role: 'user', content: 'Shorter, please.' },
  { role: 'assistant', content: 'A keeper kept the light. Ships passed safely. The end.' },
]);
const history = await memory.get('conv1');

// Without a counter: an estimate, ceil(UTF-8 bytes / 4) + 4 per turn. No dependencies.
const window = contextWindow(history, { maxTokens: 100 });
console.log(window.map((turn) => turn.role));
// [ 'system', 'user', 'assistant' ]  (the long story did not fit)

// Exact counts for OpenAI models (role + content + 3 per turn, as the chat format counts them).
const countTokens = gptTokenCounter({ model: 'gpt-4o' });
const exact = contextWindow(history, { maxTokens: 100, countTokens });
console.log(exact.reduce((sum, turn) => sum + countTokens(turn), 0));
// 36

await memory.close();
