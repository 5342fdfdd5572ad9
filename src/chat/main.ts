#!/usr/bin/env node
/**
 * `npm run chat -- --upstream http://127.0.0.1:11434/v1 --model llama3.2`: a terminal chatbot with
 * memory, in the few lines of `chat()` below — turnstore in-process, any OpenAI-compatible server
 * (Ollama, llama.cpp's server, OpenAI). Type a line, get a reply; the conversation is remembered in
 * the store you choose (`--store sqlite:chat.db` survives restarts). With stdin not a terminal, it
 * reads lines, prints one reply per line, and exits at the end of input.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { contextWindow, DEFAULT_OPTIONS, estimateTokens, summarizeOldest, type ConversationStore, type TurnInput } from '../index.js';
import { DEFAULT_SUMMARY_PROMPT, modelSummarizer } from '../openai-compatible/summarize.js';
import { openStore } from '../cli/open-store.js';
import { parseStoreChoice } from '../cli/serve-config.js';
import { complete, type Upstream } from './complete.js';

interface ChatOptions {
  readonly store: ConversationStore;
  readonly upstream: Upstream;
  readonly conversationId: string;
  readonly system: string | undefined;
  /** Tokens the messages sent may take: the system prompt, the remembered turns and the new question. */
  readonly contextTokens: number;
  /** With `--summarize`: the instructions of the summary requests. */
  readonly summaryPrompt: string | undefined;
}

/** The chat's store keeps this many turns; contextWindow decides how many are sent. */
const CHAT_MAX_TURNS = 100;
/** With `--summarize`, the newest turns a summary leaves as they are. */
const CHAT_SUMMARY_KEEP = 4;

/** The chatbot: read a line, send it with the history that fits, print the reply as it comes, remember both. */
async function chat({ store, upstream, conversationId, system, contextTokens, summaryPrompt }: ChatOptions): Promise<void> {
  // --summarize: once a reply is printed and remembered, when the history no longer fits the budget
  // (or nears the store's turn cap), the model folds the oldest turns into the summary, in the
  // background: the next question never waits for it; a failure is reported and changes nothing.
  let summary: Promise<void> | undefined;
  const summarizeLater = () => {
    if (summaryPrompt === undefined || summary) return;
    const summarize = modelSummarizer({
      completionsUrl: `${upstream.url.replace(/\/+$/, '')}/chat/completions`,
      headers: { 'content-type': 'application/json', ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}) },
      model: upstream.model,
      prompt: summaryPrompt,
      timeoutMs: 120_000,
    });
    summary = summarizeOldest(store, conversationId, { keep: CHAT_SUMMARY_KEEP, summarize })
      .then(
        () => undefined,
        (error: Error) => void process.stderr.write(`\nchat: the summary failed (nothing changed): ${error.message}\n`),
      )
      .finally(() => (summary = undefined));
  };
  const interactive = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  const instructions: TurnInput[] = system ? [{ role: 'system', content: system }] : [];
  lines.setPrompt('you › ');
  if (interactive) lines.prompt();
  for await (const line of lines) {
    const question: TurnInput = { role: 'user', content: line.trim() };
    if (question.content) {
      const stored = await store.get(conversationId);
      const history = contextWindow([...instructions, ...stored], {
        maxTokens: contextTokens - estimateTokens(question),
      });
      const due = history.length < instructions.length + stored.length || stored.length >= CHAT_MAX_TURNS - 2;
      try {
        const answer = await complete(upstream, [...history.map(({ role, content }) => ({ role, content })), question], (text) =>
          process.stdout.write(text),
        );
        process.stdout.write('\n');
        await store.appendMany(conversationId, [question, { role: 'assistant', content: answer }]);
        if (due) summarizeLater();
      } catch (error) {
        process.stderr.write(`\nchat: ${(error as Error).message} (not remembered)\n`);
      }
    }
    if (interactive) lines.prompt();
  }
  await summary;
}

const USAGE = `npm run chat -- [options]   a terminal chatbot with memory

  --upstream URL        OpenAI-compatible API (default $TURNSTORE_UPSTREAM or http://127.0.0.1:11434/v1, Ollama)
  --model NAME          model to ask (default llama3.2)
  --store STORE         memory | sqlite:PATH | redis://HOST:PORT | postgres://… (default memory: forgotten at exit)
  --conversation ID     conversation to continue (default terminal)
  --system TEXT         system prompt, sent first each time (never stored)
  --context-tokens N    tokens sent per request, history included (default 3072)
  --summarize           keep the gist: when the history no longer fits, the model folds the oldest
                        turns into a summary, in the background (see docs/chat.md)
  --summary-prompt-file PATH  the instructions of those summary requests (default in docs/memory-proxy.md)
  TURNSTORE_UPSTREAM_KEY  sent as "Authorization: Bearer …" (for OpenAI and other hosted APIs)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      model: { type: 'string', default: 'llama3.2' },
      store: { type: 'string' },
      conversation: { type: 'string', default: 'terminal' },
      system: { type: 'string' },
      'context-tokens': { type: 'string', default: '3072' },
      summarize: { type: 'boolean', default: false },
      'summary-prompt-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const contextTokens = Number(values['context-tokens']);
  if (!Number.isSafeInteger(contextTokens) || contextTokens < 1)
    throw new Error(`--context-tokens must be an integer ≥ 1; got ${values['context-tokens']}`);
  if (values['summary-prompt-file'] !== undefined && !values.summarize)
    throw new Error('--summary-prompt-file only applies with --summarize');
  const summaryPrompt = values.summarize
    ? values['summary-prompt-file'] === undefined
      ? DEFAULT_SUMMARY_PROMPT
      : readFileSync(values['summary-prompt-file'], 'utf8').trim()
    : undefined;
  if (summaryPrompt === '') throw new Error(`--summary-prompt-file: ${values['summary-prompt-file']} is empty`);
  const choice = parseStoreChoice(values.store === undefined ? undefined : { value: values.store, name: '--store' });
  // A chat keeps more than the service's 8 turns: contextWindow decides how many are sent.
  const { ttlSeconds, maxConversations, maxTurnBytes, maxTotalBytes } = DEFAULT_OPTIONS;
  const store = await openStore(choice, { maxTurns: CHAT_MAX_TURNS, ttlSeconds, maxConversations, maxTurnBytes, maxTotalBytes });
  try {
    const upstream: Upstream = {
      url: values.upstream ?? (process.env.TURNSTORE_UPSTREAM || 'http://127.0.0.1:11434/v1'),
      model: values.model,
      apiKey: process.env.TURNSTORE_UPSTREAM_KEY,
    };
    await chat({ store, upstream, conversationId: values.conversation, system: values.system, contextTokens, summaryPrompt });
  } finally {
    await store.close();
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`chat: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
