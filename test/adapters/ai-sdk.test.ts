import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateText, stepCountIs, tool, type ModelMessage } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { MemoryStore, TurnstoreError, contextWindow } from '../../src/index.js';
import { fromModelMessages, toModelMessages } from '../../src/adapters/ai-sdk/index.js';

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const stop = { unified: 'stop' as const, raw: 'stop' };
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: stop, usage, warnings: [] });

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TurnstoreError, `not a TurnstoreError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

const image = { type: 'image' as const, image: new Uint8Array([137, 80, 78, 71]), mediaType: 'image/png' };

describe('toModelMessages', () => {
  it('maps system, user and assistant turns to messages with string content, without ts', () => {
    assert.deepEqual(
      toModelMessages([
        { role: 'system', content: 'Be brief.', ts: 1 },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ] as never),
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    );
  });

  it("refuses a tool turn (no call id or tool name to rebuild it), or leaves it out with unsupported: 'drop'", () => {
    const turns = [{ role: 'user', content: 'q' }, { role: 'tool', content: '21°C' }, { role: 'assistant', content: 'a' }] as const;
    throwsCode(() => toModelMessages(turns), 'TURNSTORE_INVALID_TURN', /turns\[1\] is a tool turn/);
    assert.deepEqual(toModelMessages(turns, { unsupported: 'drop' }), [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]);
  });

  it('refuses bad input and options', () => {
    throwsCode(() => toModelMessages('hi' as never), 'TURNSTORE_INVALID_TURN', /turns must be an array/);
    throwsCode(() => toModelMessages([{ role: 'developer', content: 'x' }] as never), 'TURNSTORE_INVALID_TURN', /turns\[0\] must be/);
    throwsCode(() => toModelMessages([null] as never), 'TURNSTORE_INVALID_TURN', /turns\[0\] must be/);
    throwsCode(() => toModelMessages([], { unsupported: 'skip' } as never), 'TURNSTORE_INVALID_OPTION', /option "unsupported"/);
    throwsCode(() => toModelMessages([], { drop: true } as never), 'TURNSTORE_INVALID_OPTION', /unknown option "drop"/);
  });
});

describe('fromModelMessages', () => {
  it('keeps string content and joins text parts with nothing between', () => {
    assert.deepEqual(
      fromModelMessages([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello, ' }, { type: 'text', text: 'there.' }] },
        { role: 'assistant', content: 'Hi!' },
        { role: 'assistant', content: [] },
      ]),
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello, there.' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'assistant', content: '' },
      ],
    );
  });

  it('always leaves reasoning out; a message of reasoning alone leaves no turn', () => {
    assert.deepEqual(
      fromModelMessages([
        { role: 'assistant', content: [{ type: 'reasoning', text: 'They want brevity.' }, { type: 'text', text: 'OK.' }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'Only thinking.' }] },
      ]),
      [{ role: 'assistant', content: 'OK.' }],
    );
  });

  it('refuses images, files, tool calls and tool messages by default, naming the message and part', () => {
    throwsCode(() => fromModelMessages([{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] }]), 'TURNSTORE_INVALID_TURN', /messages\[0\] \(user\) holds a "image" part \(content\[1\]\).*unsupported: 'drop'/);
    throwsCode(() => fromModelMessages([{ role: 'user', content: [{ type: 'file', data: 'aGk=', mediaType: 'text/plain' }] }]), 'TURNSTORE_INVALID_TURN', /a "file" part \(content\[0\]\)/);
    throwsCode(
      () => fromModelMessages([{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: {} }] }]),
      'TURNSTORE_INVALID_TURN',
      /messages\[1\] \(assistant\) holds a "tool-call" part \(content\[0\], tool weather\)/,
    );
    throwsCode(
      () => fromModelMessages([{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: '21°C' } }] }]),
      'TURNSTORE_INVALID_TURN',
      /messages\[0\] \(tool\) holds tool results/,
    );
  });

  it("with unsupported: 'drop' keeps the text and leaves out messages with nothing left", () => {
    const messages: ModelMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, image] },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'lookup', output: { type: 'text', value: 'a PNG' } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A tiny PNG.' }] },
      { role: 'user', content: [image] },
    ];
    assert.deepEqual(fromModelMessages(messages, { unsupported: 'drop' }), [
      { role: 'user', content: 'What is this?' },
      { role: 'assistant', content: 'A tiny PNG.' },
    ]);
  });

  it('refuses what is not an AI SDK message', () => {
    throwsCode(() => fromModelMessages('hi' as never), 'TURNSTORE_INVALID_TURN', /messages must be an array/);
    throwsCode(() => fromModelMessages([{ role: 'function', content: 'x' }] as never), 'TURNSTORE_INVALID_TURN', /messages\[0\] must be an AI SDK message .* got "function"/);
    throwsCode(() => fromModelMessages([{ role: 'system', content: [{ type: 'text', text: 'x' }] }] as never), 'TURNSTORE_INVALID_TURN', /expected a string/);
    throwsCode(() => fromModelMessages([{ role: 'user', content: [{ type: 'text', text: 3 }] }] as never), 'TURNSTORE_INVALID_TURN', /text part whose text is 3/);
    throwsCode(() => fromModelMessages([{ role: 'user', content: 7 }] as never), 'TURNSTORE_INVALID_TURN', /content 7/);
  });
});

describe('with generateText and the SDK mock model', () => {
  /** One chat step: the window of history, the new question, and both stored together afterwards. */
  async function ask(memory: MemoryStore, model: MockLanguageModelV3, id: string, question: string): Promise<string> {
    const history = contextWindow(await memory.get(id), { maxTokens: 4000 });
    const asked: ModelMessage = { role: 'user', content: question };
    const result = await generateText({ model, system: 'You are terse.', messages: [...toModelMessages(history), asked] });
    await memory.appendMany(id, fromModelMessages([asked, ...result.response.messages]));
    return result.text;
  }

  it('stores an exchange, and the next call sends it to the model', async () => {
    const memory = new MemoryStore({ maxTurns: 50 });
    const model = new MockLanguageModelV3({ doGenerate: [reply('Hello, Ada.'), reply('You are Ada.')] });
    assert.equal(await ask(memory, model, 'c1', 'Hi, I am Ada.'), 'Hello, Ada.');
    assert.equal(await ask(memory, model, 'c1', 'Who am I?'), 'You are Ada.');
    assert.deepEqual((await memory.get('c1')).map((t) => [t.role, t.content]), [['user', 'Hi, I am Ada.'], ['assistant', 'Hello, Ada.'], ['user', 'Who am I?'], ['assistant', 'You are Ada.']]);
    const secondPrompt = model.doGenerateCalls[1]!.prompt.map((m) => [m.role, typeof m.content === 'string' ? m.content : m.content.map((part) => ('text' in part ? part.text : part.type)).join('')]);
    assert.deepEqual(secondPrompt, [['system', 'You are terse.'], ['user', 'Hi, I am Ada.'], ['assistant', 'Hello, Ada.'], ['user', 'Who am I?']]);
    await memory.close();
  });

  it("a tool-using exchange is refused whole by default, and stores as question + answer with unsupported: 'drop'", async () => {
    const memory = new MemoryStore({ maxTurns: 50 });
    const makeModel = () =>
      new MockLanguageModelV3({
        doGenerate: [
          { content: [{ type: 'reasoning', text: 'Need the weather.' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] },
          reply('21°C in Paris.'),
        ],
      });
    const tools = { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, celsius: 21 }) }) };
    const asked: ModelMessage = { role: 'user', content: 'Weather in Paris?' };
    const result = await generateText({ model: makeModel(), messages: [asked], tools, stopWhen: stepCountIs(3) });
    assert.deepEqual(result.response.messages.map((m) => m.role), ['assistant', 'tool', 'assistant']);

    assert.throws(() => fromModelMessages([asked, ...result.response.messages]), /messages\[1\] \(assistant\) holds a "tool-call" part/);
    assert.deepEqual(await memory.get('c1'), []);

    await memory.appendMany('c1', fromModelMessages([asked, ...result.response.messages], { unsupported: 'drop' }));
    assert.deepEqual((await memory.get('c1')).map((t) => [t.role, t.content]), [['user', 'Weather in Paris?'], ['assistant', '21°C in Paris.']]);
    await memory.close();
  });
});
