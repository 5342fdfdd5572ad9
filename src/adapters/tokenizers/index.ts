/**
 * `turnstore/tokenizers`: exact token counts for `contextWindow`. Needs the optional peer
 * `gpt-tokenizer` (`npm install gpt-tokenizer`), loaded only when a counter is made, so importing
 * this module never fails.
 *
 * @packageDocumentation
 */
export {
  gptTokenCounter,
  GPT_TOKENS_PER_MESSAGE,
  GPT_REPLY_PRIMING_TOKENS,
  type GptTokenCounterOptions,
  type GptTokenizerLike,
} from './gpt-token-counter.js';
