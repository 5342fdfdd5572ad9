#!/usr/bin/env node
/**
 * The `turnstore` command: `serve` runs the HTTP service; `--help` and `--version`.
 * Exit codes: 0 done, 1 failed, 2 bad usage. Every error is one line on stderr.
 */
import { parseArgs } from 'node:util';
import { isTurnstoreError } from '../core/errors.js';
import { packageVersion } from '../server/package-version.js';
import { readServeConfig, SERVE_FLAGS, type ServeFlag } from './serve-config.js';
import { UsageError } from './usage-error.js';

export { packageVersion };

const USAGE = `turnstore — conversation memory for chatbots

Usage:
  turnstore serve [options]   run the HTTP service (in-memory store on 127.0.0.1:8080 by default)
  turnstore --help            show this help
  turnstore --version         show the version

Options of serve (each also read from the environment variable beside it; a flag wins):
  --host HOST                  TURNSTORE_HOST               address to listen on (default 127.0.0.1)
  --port PORT                  TURNSTORE_PORT               port, 0 for any free one (default 8080)
  --store STORE                TURNSTORE_STORE              memory | sqlite:PATH | redis://HOST:PORT | postgres://… (default memory)
  --max-turns N                TURNSTORE_MAX_TURNS          newest turns kept per conversation (default 8)
  --ttl SECONDS                TURNSTORE_TTL_SECONDS        idle seconds before a conversation is forgotten, 0 = never (default 3600)
  --max-conversations N        TURNSTORE_MAX_CONVERSATIONS  conversations held, least recently used out first (default 500)
  --max-turn-bytes N           TURNSTORE_MAX_TURN_BYTES     UTF-8 bytes of one turn, content plus tool calls, attachments, metadata (default 65536)
  --max-total-bytes N          TURNSTORE_MAX_TOTAL_BYTES    UTF-8 bytes of all turns held, counted so (default 67108864; enforced by every store)
  --log-level LEVEL            fatal | error | warn | info | debug | trace | silent (default info; requests are logged at debug)
                               TURNSTORE_TOKEN              when set, /v1 needs "Authorization: Bearer <token>";
                                                            required to listen on anything but loopback

Memory proxy (POST /v1/chat/completions, OpenAI-compatible; the conversation is named by the
header X-Conversation-Id; and POST /v1/responses, the Responses API with previous_response_id
and conversation kept in the store; see docs/memory-proxy.md):
  --upstream URL               TURNSTORE_UPSTREAM           base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1
                                                            (Ollama); turns the proxy on
  --upstream-key KEY           TURNSTORE_UPSTREAM_KEY       sent upstream as "Authorization: Bearer KEY" (prefer the variable)
  --context-tokens N           TURNSTORE_CONTEXT_TOKENS     tokens the messages sent upstream may take, history included
                                                            (default 3072: a 4096-token context minus 1024 for the reply)
  --upstream-timeout-ms MS     TURNSTORE_UPSTREAM_TIMEOUT_MS  longest silence from the upstream before 504 (default 120000)
  --summarize                  TURNSTORE_SUMMARIZE=1        keep the gist: after a reply is sent, when a conversation is within 2
                                                            turns of --max-turns or its history no longer fits the budget, the
                                                            same model folds the oldest turns into its summary (off by default)
  --summary-prompt-file PATH   TURNSTORE_SUMMARY_PROMPT_FILE  the instructions of those summary requests (default in docs/memory-proxy.md)

Library use: import { MemoryStore } from 'turnstore' — see the README.
`;

const HINT = '(see turnstore --help)';

function fail(message: string, code: number): number {
  process.stderr.write(`turnstore: ${message.replaceAll('\n', ' ')} ${code === 2 ? HINT : ''}`.trimEnd() + '\n');
  return code;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const flagOptions = Object.fromEntries(
    Object.entries(SERVE_FLAGS).map(([flag, { type }]) => [flag, { type: type as 'string' | 'boolean' }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...flagOptions, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return fail((error as Error).message, 2);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [command, ...extra] = positionals;
  if (command !== 'serve') return fail(`unknown command "${command}"`, 2);
  if (extra.length > 0) return fail(`serve takes no arguments; got "${extra.join(' ')}"`, 2);
  // A boolean flag (--summarize) reads as 'true', as its variable may.
  const serveFlagsGiven = Object.fromEntries(
    Object.entries(values)
      .filter(([name]) => name in SERVE_FLAGS)
      .map(([name, value]) => [name, String(value)]),
  ) as Partial<Record<ServeFlag, string>>;
  try {
    const config = readServeConfig(serveFlagsGiven, process.env);
    const { serve } = await import('./serve.js');
    return await serve(config);
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message, 2);
    // A bad option value the store itself refused is still a usage mistake.
    if (isTurnstoreError(error, 'TURNSTORE_INVALID_OPTION')) return fail(error.message, 2);
    if (isTurnstoreError(error)) return fail(`${error.message} (${error.code})`, 1);
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      return fail(`cannot listen: ${(error as Error).message}`, 1);
    }
    return fail(`failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
// Everything is closed by now and the process ends by itself; should a driver still hold a handle
// open (a reconnect timer), this unref'd timer ends it anyway rather than leave a stopped service
// running.
setTimeout(() => process.exit(exitCode), 1000).unref();
