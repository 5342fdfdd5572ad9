import OpenAI from 'openai';

// turnstore serve --upstream http://127.0.0.1:11434/v1   (Ollama: no state of its own)
const client = new OpenAI({
  baseURL: `${process.env.TURNSTORE_URL ?? 'http://127.0.0.1:8080'}/v1`,
  apiKey: process.env.TURNSTORE_TOKEN ?? 'none', // turnstore's token, not the model server's
});

// Chain by previous_response_id: the proxy sends the first exchange upstream with the second.
const first = await client.responses.create({ model: 'llama3.2', input: 'Hi, I am Ada.' });
const second = await client.responses.create({ model: 'llama3.2', input: 'What is my name?', previous_response_id: first.id });
console.log(second.output_text);

// Or name a conversation: the memory the REST API and the chat proxy see under that id.
await client.responses.create({ model: 'llama3.2', input: 'I live in Paris.', conversation: 'ada' });
const stream = client.responses.stream({ model: 'llama3.2', input: 'Where do I live?', conversation: 'ada' });
for await (const event of stream) if (event.type === 'response.output_text.delta') process.stdout.write(event.delta);
console.log();
