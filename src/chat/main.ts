#!/usr/bin/env node
/**
 * `npm run chat -- --upstream http://127.0.0.1:11434/v1 --model llama3.2`: a terminal chatbot with
 * memory, in the few lines of `chat()` below — turnstore in-process, any OpenAI-compatible server
 * (Ollama, llama.cpp's server, OpenAI). Type a line, get a reply; the conversation is remembered in
 * the store you choose (`--store sqlite:chat.db` survives restarts). With stdin not a terminal, it
 * reads lines, prints one reply per line, and exits at the end of input.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { contextWindow, DEFAULT_OPTIONS, estimateTokens, type ConversationStore, type TurnInput } from '../index.js';
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
}

/** The chatbot: read a line, send it with the history that fits, print the reply as it comes, remember both. */
async function chat({ store, upstream, conversationId, system, contextTokens }: ChatOptions): Promise<void> {
  const interactive = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  const instructions: TurnInput[] = system ? [{ role: 'system', content: system }] : [];
  lines.setPrompt('you › ');
  if (interactive) lines.prompt();
  for await (const line of lines) {
    const question: TurnInput = { role: 'user', content: line.trim() };
    if (question.content) {
      const history = contextWindow([...instructions, ...(await store.get(conversationId))], {
        maxTokens: contextTokens - estimateTokens(question),
      });
      try {
        const answer = await complete(upstream, [...history.map(({ role, content }) => ({ role, content })), question], (text) =>
          process.stdout.write(text),
        );
        process.stdout.write('\n');
        await store.appendMany(conversationId, [question, { role: 'assistant', content: answer }]);
      } catch (error) {
        process.stderr.write(`\nchat: ${(error as Error).message} (not remembered)\n`);
      }
    }
    if (interactive) lines.prompt();
  }
}

const USAGE = `npm run chat -- [options]   a terminal chatbot with memory

  --upstream URL        OpenAI-compatible API (default $TURNSTORE_UPSTREAM or http://127.0.0.1:11434/v1, Ollama)
  --model NAME          model to ask (default llama3.2)
  --store STORE         memory | sqlite:PATH | redis://HOST:PORT | postgres://… (default memory: forgotten at exit)
  --conversation ID     conversation to continue (default terminal)
  --system TEXT         system prompt, sent first each time (never stored)
  --context-tokens N    tokens sent per request, history included (default 3072)
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
  const choice = parseStoreChoice(values.store === undefined ? undefined : { value: values.store, name: '--store' });
  // A chat keeps more than the service's 8 turns: contextWindow decides how many are sent.
  const { ttlSeconds, maxConversations, maxTurnBytes, maxTotalBytes } = DEFAULT_OPTIONS;
  const store = await openStore(choice, { maxTurns: 100, ttlSeconds, maxConversations, maxTurnBytes, maxTotalBytes });
  try {
    const upstream: Upstream = {
      url: values.upstream ?? (process.env.TURNSTORE_UPSTREAM || 'http://127.0.0.1:11434/v1'),
      model: values.model,
      apiKey: process.env.TURNSTORE_UPSTREAM_KEY,
    };
    await chat({ store, upstream, conversationId: values.conversation, system: values.system, contextTokens });
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
