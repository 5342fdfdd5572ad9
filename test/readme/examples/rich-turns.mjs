import { MemoryStore } from 'turnstore';

const memory = new MemoryStore();
await memory.append('conv1', 'user', 'What is the weather where this photo was taken?', {
  attachments: [{ mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' }],
});
await memory.appendMany('conv1', [
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }], metadata: { model: 'gpt-4o-mini' } },
  { role: 'tool', content: '{"temperature":21}', toolCallId: 'call_1' },
  { role: 'assistant', content: 'It is 21 °C in Paris.' },
]);
const turns = await memory.get('conv1');
console.log(turns[1].toolCalls[0].name, turns[2].toolCallId); // get_weather call_1
console.log(Object.keys(turns[1])); // [ 'role', 'content', 'ts', 'toolCalls', 'metadata' ]
console.log(Object.keys(turns[3])); // [ 'role', 'content', 'ts' ]
console.log(Object.isFrozen(turns[1].toolCalls)); // true
await memory.close();
