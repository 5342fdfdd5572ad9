import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as gpt4o from 'gpt-tokenizer/model/gpt-4o';
import * as gpt35 from 'gpt-tokenizer/model/gpt-3.5-turbo';
import {
  ESTIMATED_TOKENS_PER_ATTACHMENT,
  TurnstoreError,
  contextWindow,
  estimateTokens,
  type Role,
  type TurnLike,
} from '../../src/index.js';
import { runWithoutPeers } from '../support/without-peers.js';
import { GPT_REPLY_PRIMING_TOKENS, GPT_TOKENS_PER_MESSAGE, gptTokenCounter } from '../../src/adapters/tokenizers/index.js';

const SAMPLES: TurnLike[] = [
  { role: 'system', content: 'You are a helpful assistant that answers in one sentence.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'tool', content: '{"temperature": 21.5, "unit": "celsius"}' },
  { role: 'user', content: '' },
  { role: 'user', content: 'Könnten Sie mir bitte sagen, wie das Wetter morgen wird? 明日の天気は？ 😀' },
  { role: 'assistant', content: 'function add(a: number, b: number) {\n  return a + b;\n}\n' },
];

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TurnstoreError, `not a TurnstoreError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('gptTokenCounter', () => {
  it('counts a turn as the chat format does: role + content + 3', () => {
    const countTokens = gptTokenCounter({ model: 'gpt-4o' });
    for (const turn of SAMPLES) {
      assert.equal(
        countTokens(turn),
        gpt4o.countTokens(turn.role) + gpt4o.countTokens(turn.content) + GPT_TOKENS_PER_MESSAGE,
        turn.content,
      );
    }
    assert.equal(countTokens({ role: 'user', content: 'Hello' }), 1 + 1 + 3);
  });

  it('counts tool calls, a tool call id and attachments beside the content; metadata counts nothing', () => {
    const countTokens = gptTokenCounter({ model: 'gpt-4o' });
    const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris","units":"metric"}' };
    const plain = gpt4o.countTokens('assistant') + gpt4o.countTokens('') + GPT_TOKENS_PER_MESSAGE;
    const callTokens = gpt4o.countTokens(call.id) + gpt4o.countTokens(call.name) + gpt4o.countTokens(call.arguments);
    assert.equal(
      countTokens({ role: 'assistant', content: '', toolCalls: [call, { ...call, id: 'call_2' }] }),
      plain + callTokens + callTokens,
    );
    const tool = gpt4o.countTokens('tool') + gpt4o.countTokens('21') + GPT_TOKENS_PER_MESSAGE;
    assert.equal(countTokens({ role: 'tool', content: '21', toolCallId: 'call_1' }), tool + gpt4o.countTokens('call_1'));
    const user = gpt4o.countTokens('user') + gpt4o.countTokens('look') + GPT_TOKENS_PER_MESSAGE;
    const image = { mediaType: 'image/png', url: `data:image/png;base64,${'A'.repeat(10_000)}` };
    assert.equal(countTokens({ role: 'user', content: 'look', attachments: [image, image] }), user + 2 * ESTIMATED_TOKENS_PER_ATTACHMENT);
    assert.equal(countTokens({ role: 'user', content: 'look', metadata: { id: 'm-1' } } as TurnLike), user);
  });

  it("agrees with gpt-tokenizer's own chat counts: encodeChat of one message is the per-turn figure, and a request adds the 3 reply-priming tokens", () => {
    const countTokens = gptTokenCounter();
    for (const turn of SAMPLES) {
      // encodeChat renders <|im_start|>role<|im_sep|>content<|im_end|> per message, then primes the
      // reply with <|im_start|>assistant<|im_sep|>; with an empty prime only the separator is left.
      const message = [{ role: turn.role, content: turn.content }];
      const unprimed = gpt4o.encodeChat(message, 'gpt-4o', { primeWithAssistantResponse: '' }).length - 1;
      assert.equal(countTokens(turn), unprimed, turn.content);
      assert.equal(gpt4o.encodeChat(message, 'gpt-4o').length, unprimed + GPT_REPLY_PRIMING_TOKENS);
    }
    const request = SAMPLES.filter((turn) => turn.role !== 'tool');
    const sum = request.reduce((total, turn) => total + countTokens(turn), 0);
    assert.equal(
      gpt4o.countChatCompletionTokens!({ messages: request.map(({ role, content }) => ({ role, content })) }),
      sum + GPT_REPLY_PRIMING_TOKENS,
    );
  });

  it('defaults to gpt-4o; model and encoding pick other tables', () => {
    const turn = { role: 'user' as Role, content: 'Tokenizers differ: ünïcödé, 中文, emoji 🎉, code `x => x * 2`.' };
    const o200k = gptTokenCounter()(turn);
    assert.equal(gptTokenCounter({ model: 'gpt-4o' })(turn), o200k);
    assert.equal(gptTokenCounter({ encoding: 'o200k_base' })(turn), o200k);
    const cl100k = gptTokenCounter({ model: 'gpt-3.5-turbo' })(turn);
    assert.equal(cl100k, gpt35.countTokens(turn.role) + gpt35.countTokens(turn.content) + 3);
    assert.equal(gptTokenCounter({ encoding: 'cl100k_base' })(turn), cl100k);
    assert.notEqual(cl100k, o200k);
  });

  it('takes a gpt-tokenizer module you loaded yourself', () => {
    const countTokens = gptTokenCounter({ tokenizer: gpt4o });
    assert.equal(countTokens(SAMPLES[1]!), gptTokenCounter()(SAMPLES[1]!));
  });

  it('counts special-token text as the plain text the API treats it as, instead of throwing', () => {
    const countTokens = gptTokenCounter();
    const tokens = countTokens({ role: 'user', content: 'ignore <|endoftext|> and <|im_start|>' });
    assert.ok(tokens > 5 + 3, `plain text takes more than one token per marker: ${tokens}`);
    assert.equal(tokens, 1 + gpt4o.encode('ignore <|endoftext|> and <|im_start|>', { disallowedSpecial: new Set() }).length + 3);
  });

  it('bad options → TURNSTORE_INVALID_OPTION naming the option', () => {
    throwsCode(
      () => gptTokenCounter({ model: 'gpt-9-imaginary' }),
      'TURNSTORE_INVALID_OPTION',
      /option "model" names no model gpt-tokenizer 3\.\d+\.\d+ knows: "gpt-9-imaginary"/,
    );
    throwsCode(() => gptTokenCounter({ encoding: 'o300k' }), 'TURNSTORE_INVALID_OPTION', /option "encoding" names no encoding/);
    throwsCode(() => gptTokenCounter({ model: '../../package' }), 'TURNSTORE_INVALID_OPTION', /option "model" must be a model name/);
    throwsCode(() => gptTokenCounter({ model: 4 } as never), 'TURNSTORE_INVALID_OPTION', /option "model" must be a model name/);
    throwsCode(
      () => gptTokenCounter({ model: 'gpt-4o', encoding: 'o200k_base' }),
      'TURNSTORE_INVALID_OPTION',
      /at most one of model, encoding, tokenizer; got model and encoding/,
    );
    throwsCode(() => gptTokenCounter({ modle: 'gpt-4o' } as never), 'TURNSTORE_INVALID_OPTION', /unknown option "modle"/);
    throwsCode(
      () => gptTokenCounter({ tokenizer: {} } as never),
      'TURNSTORE_INVALID_OPTION',
      /option "tokenizer" must be a gpt-tokenizer module/,
    );
    throwsCode(() => gptTokenCounter('gpt-4o' as never), 'TURNSTORE_INVALID_OPTION', /options must be an object/);
  });

  it('plugs into contextWindow, counting each turn once', () => {
    const countTokens = gptTokenCounter();
    let calls = 0;
    const counting = (turn: TurnLike) => {
      calls++;
      return countTokens(turn);
    };
    const history = Array.from({ length: 100 }, (_, i): TurnLike => ({
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `message number ${i} with a few words`,
    }));
    const window = contextWindow(history, { maxTokens: 200, countTokens: counting });
    const used = window.reduce((total, turn) => total + countTokens(turn), 0);
    assert.ok(used <= 200 && used > 150, `used ${used}`);
    assert.equal(window[0]!.role, 'user');
    assert.equal(calls, window.length + 1);
  });

  it('the default estimate stays within a factor of two of the exact count on mixed text', () => {
    const exact = gptTokenCounter();
    for (const turn of SAMPLES) {
      const ratio = estimateTokens(turn) / exact(turn);
      assert.ok(ratio > 0.5 && ratio < 2, `${JSON.stringify(turn.content)}: estimate ${estimateTokens(turn)}, exact ${exact(turn)}`);
    }
  });
});

describe('turnstore/tokenizers without gpt-tokenizer', () => {
  it('imports fine; gptTokenCounter() throws TURNSTORE_MISSING_PEER saying what to install; a tokenizer passed in still works', () => {
    const { outcome, count } = runWithoutPeers([
      "import { gptTokenCounter } from 'turnstore/tokenizers';",
      'let outcome;',
      'try { gptTokenCounter({ model: "gpt-4o" }); outcome = "returned"; } catch (error) { outcome = { code: error.code, message: error.message, cause: Boolean(error.cause) }; }',
      'const count = gptTokenCounter({ tokenizer: { countTokens: (text) => text.length } })({ role: "user", content: "abc" });',
      'console.log(JSON.stringify({ outcome, count }));',
    ]) as { outcome: { code: string; message: string; cause: boolean }; count: number };
    assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
    assert.match(outcome.message, /npm install gpt-tokenizer/);
    assert.ok(outcome.cause, 'the resolution error is the cause');
    assert.equal(count, 4 + 3 + 3);
  });
});
