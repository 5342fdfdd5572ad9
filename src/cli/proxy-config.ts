/**
 * The memory proxy's part of `turnstore serve`: `--upstream` and the flags that only mean something
 * with it, each also read from its `TURNSTORE_*` variable (a flag wins; an empty variable is unset).
 */
import { readFileSync } from 'node:fs';
import type { ProxyOptions } from '../server/proxy/proxy-options.js';
import { completionsUrlOf } from '../server/proxy/proxy-options.js';
import { UsageError } from './usage-error.js';

/** The proxy's flags, in `util.parseArgs` form, with the variable each falls back to. */
export const PROXY_FLAGS = {
  upstream: { type: 'string', env: 'TURNSTORE_UPSTREAM' },
  'upstream-key': { type: 'string', env: 'TURNSTORE_UPSTREAM_KEY' },
  'context-tokens': { type: 'string', env: 'TURNSTORE_CONTEXT_TOKENS' },
  'upstream-timeout-ms': { type: 'string', env: 'TURNSTORE_UPSTREAM_TIMEOUT_MS' },
  summarize: { type: 'boolean', env: 'TURNSTORE_SUMMARIZE' },
  'summary-prompt-file': { type: 'string', env: 'TURNSTORE_SUMMARY_PROMPT_FILE' },
} as const;

type ProxyFlag = keyof typeof PROXY_FLAGS;

function pick(
  flags: Partial<Record<string, string>>,
  env: NodeJS.ProcessEnv,
  flag: ProxyFlag,
): { value: string; name: string } | undefined {
  const fromFlag = flags[flag];
  if (fromFlag !== undefined) return { value: fromFlag, name: `--${flag}` };
  const variable = PROXY_FLAGS[flag].env;
  const fromEnv = env[variable];
  return fromEnv !== undefined && fromEnv !== '' ? { value: fromEnv, name: variable } : undefined;
}

function positive(source: { value: string; name: string }): number {
  const value = /^[0-9]+$/.test(source.value) ? Number(source.value) : NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${source.name} must be an integer ≥ 1; got ${JSON.stringify(source.value)}`);
  return value;
}

/** A URL for messages and the start line: its user and password, should it have any, hidden. */
export function redactUpstream(upstream: string): string {
  if (!URL.canParse(upstream)) return upstream;
  const url = new URL(upstream);
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  return url.href.replace(/\/$/, '');
}

/** `--summarize` (given as 'true' by the command line) or TURNSTORE_SUMMARIZE (1/true/0/false). */
function onOff(source: { value: string; name: string }): boolean {
  if (/^(1|true)$/i.test(source.value)) return true;
  if (/^(0|false)$/i.test(source.value)) return false;
  throw new UsageError(`${source.name} must be 1, true, 0 or false; got ${JSON.stringify(source.value)}`);
}

/** The text of `--summary-prompt-file`. */
function promptOf(source: { value: string; name: string }): string {
  let text: string;
  try {
    text = readFileSync(source.value, 'utf8');
  } catch (error) {
    throw new UsageError(`${source.name}: cannot read ${source.value}: ${(error as Error).message}`);
  }
  if (text.trim() === '') throw new UsageError(`${source.name}: ${source.value} is empty`);
  return text.trim();
}

/**
 * The proxy options `serve` was given, or undefined without `--upstream`; throws {@link UsageError}.
 * `maxTurns` is the store's, which tells `--summarize` when a conversation nears it.
 */
export function readProxyConfig(
  flags: Partial<Record<string, string>>,
  env: NodeJS.ProcessEnv,
  maxTurns: number,
): ProxyOptions | undefined {
  const upstream = pick(flags, env, 'upstream');
  const key = pick(flags, env, 'upstream-key');
  const contextTokens = pick(flags, env, 'context-tokens');
  const timeout = pick(flags, env, 'upstream-timeout-ms');
  const summarizeSource = pick(flags, env, 'summarize');
  const summarize = summarizeSource !== undefined && onOff(summarizeSource);
  const promptFile = pick(flags, env, 'summary-prompt-file');
  if (promptFile && !summarize) throw new UsageError(`${promptFile.name} only applies with --summarize (or TURNSTORE_SUMMARIZE=1)`);
  if (upstream === undefined) {
    // A flag of the proxy without the proxy is a mistake worth saying, not a setting to ignore.
    const stray = [key, contextTokens, timeout, summarize ? summarizeSource : undefined].find((source) => source !== undefined);
    if (stray) throw new UsageError(`${stray.name} only applies to the memory proxy: give --upstream (or TURNSTORE_UPSTREAM) too`);
    return undefined;
  }
  const url = completionsUrlOf(upstream.value);
  if (typeof url !== 'string')
    throw new UsageError(
      `${upstream.name} cannot be used: ${url.problem}; give the base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1`,
    );
  if (key !== undefined && !/^[\x21-\x7e]+$/.test(key.value)) throw new UsageError(`${key.name} must be printable ASCII without spaces`);
  return {
    upstream: upstream.value,
    ...(key ? { upstreamKey: key.value } : {}),
    ...(contextTokens ? { contextTokens: positive(contextTokens) } : {}),
    ...(timeout ? { upstreamTimeoutMs: positive(timeout) } : {}),
    ...(summarize ? { summarize: { maxTurns, ...(promptFile ? { prompt: promptOf(promptFile) } : {}) } } : {}),
  };
}
