import OpenAI from 'openai';

const proxy = process.env.TURNSTORE_URL ?? 'http://127.0.0.1:8080'; // turnstore serve --upstream …
const client = new OpenAI({
  baseURL: `${proxy}/v1`,
  apiKey: process.env.TURNSTORE_TOKEN ?? 'none',
  defaultHeaders: { 'X-Conversation-Id': 'trip' },
});
const tools = [{
  type: 'function',
  function: {
    name: 'weather',
    description: 'The weather now in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const weather = ({ city }) => `18 °C and sunny in ${city}`;

// Send only what is new: the question, then the results of the calls the model asks for.
let messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
for (;;) {
  const { message } = (await client.chat.completions.create({ model: 'llama3.2', tools, messages })).choices[0];
  if (!message.tool_calls?.length) break;
  messages = message.tool_calls.map((call) => ({
    role: 'tool',
    tool_call_id: call.id,
    content: weather(JSON.parse(call.function.arguments)),
  }));
}

// The whole exchange is remembered, and goes upstream before the next question.
const { turns } = await (await fetch(`${proxy}/v1/conversations/trip`, { headers: { authorization: `Bearer ${client.apiKey}` } })).json();
console.log(turns.map((turn) => turn.role));
// [ 'user', 'assistant', 'tool', 'assistant' ]  (the assistant's first turn holds its toolCalls)
const next = await client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Do I need a coat?' }] });
console.log(next.choices[0].message.content); // an answer that knows the weather in Paris
