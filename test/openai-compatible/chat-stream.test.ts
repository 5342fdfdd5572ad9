/** Reading replies with tool calls out of completions, whole and streamed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatStreamReader, replyOfCompletion } from '../../src/openai-compatible/chat-stream.js';

const completion = (message: object) => ({
  choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', ...message } }],
});

/** Feeds `deltas` to a reader as SSE events, cut into 7-byte pieces, and ends it. */
function readStream(deltas: object[]): ChatStreamReader {
  const text = [
    ...deltas.map((delta) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`),
    'data: [DONE]\n\n',
  ].join('');
  const bytes = new TextEncoder().encode(text);
  const reader = new ChatStreamReader();
  for (let i = 0; i < bytes.length; i += 7) reader.push(bytes.subarray(i, i + 7));
  reader.end();
  return reader;
}

describe('replyOfCompletion with tool calls', () => {
  it('reads every call in order, its arguments verbatim; null content is ""', () => {
    const reply = replyOfCompletion(
      completion({
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{ "x" : 1 }' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: 'not json' } },
        ],
      }),
    );
    assert.deepEqual(reply, {
      text: '',
      toolCalls: [
        { id: 'a', name: 'f', arguments: '{ "x" : 1 }' },
        { id: 'b', name: 'g', arguments: 'not json' },
      ],
    });
  });

  it('arguments sent as an object become its JSON text; missing ones ""', () => {
    const reply = replyOfCompletion(
      completion({
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: { x: 1 } } },
          { id: 'b', function: { name: 'g' } },
        ],
      }),
    );
    assert.deepEqual(reply?.toolCalls, [
      { id: 'a', name: 'f', arguments: '{"x":1}' },
      { id: 'b', name: 'g', arguments: '' },
    ]);
  });

  it('says why a reply cannot be stored: function_call, a custom tool, a call without id or name', () => {
    assert.match(
      replyOfCompletion(completion({ content: null, function_call: { name: 'f', arguments: '{}' } }))!.unstorable!,
      /function_call/,
    );
    assert.match(
      replyOfCompletion(completion({ tool_calls: [{ id: 'a', type: 'custom', custom: { name: 'f', input: 'x' } }] }))!.unstorable!,
      /not a function/,
    );
    assert.match(
      replyOfCompletion(completion({ tool_calls: [{ type: 'function', function: { name: 'f', arguments: '' } }] }))!.unstorable!,
      /no id/,
    );
    assert.match(
      replyOfCompletion(completion({ tool_calls: [{ id: 'a', type: 'function', function: { arguments: '' } }] }))!.unstorable!,
      /no function name/,
    );
    assert.equal(replyOfCompletion(completion({ content: 'hi' }))!.unstorable, undefined);
  });
});

describe('ChatStreamReader with tool calls', () => {
  it('assembles calls by index: id and name from the first delta, arguments joined, pieces of calls interleaved', () => {
    const reader = readStream([
      { role: 'assistant', content: null },
      { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'clock', arguments: '{"tz"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 1, function: { arguments: ':"UTC"}' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
    ]);
    assert.ok(reader.complete);
    assert.deepEqual(reader.reply, {
      text: '',
      toolCalls: [
        { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
        { id: 'call_b', name: 'clock', arguments: '{"tz":"UTC"}' },
      ],
    });
  });

  it('orders calls by index, not by arrival, and keeps the text beside them', () => {
    const reader = readStream([
      { content: 'Checking. ' },
      { tool_calls: [{ index: 1, id: 'second', function: { name: 'g', arguments: '{}' } }] },
      { tool_calls: [{ index: 0, id: 'first', function: { name: 'f', arguments: '{}' } }] },
    ]);
    assert.deepEqual(reader.reply, {
      text: 'Checking. ',
      toolCalls: [
        { id: 'first', name: 'f', arguments: '{}' },
        { id: 'second', name: 'g', arguments: '{}' },
      ],
    });
  });

  it('a server that sends whole calls without index: their place in the array', () => {
    const reader = readStream([
      {
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
    ]);
    assert.deepEqual(
      reader.reply.toolCalls.map((call) => call.id),
      ['a', 'b'],
    );
  });

  it('a streamed function_call cannot be stored', () => {
    assert.match(readStream([{ function_call: { name: 'f', arguments: '{}' } }]).reply.unstorable!, /function_call/);
  });

  it('a plain reply has no calls', () => {
    assert.deepEqual(readStream([{ content: 'a' }, { content: 'b' }]).reply, { text: 'ab', toolCalls: [] });
  });
});
