/**
 * The configuration of `turnstore serve`, read from its flags and `TURNSTORE_*` environment
 * variables (a flag wins over its variable). Pure: no store is opened and nothing listens here, so
 * every rule can be tested directly.
 */
import { isIP } from 'node:net';
import { checkOptions, DEFAULT_OPTIONS } from '../core/options.js';
import { tokenProblem } from '../server/auth.js';
import { defaultBodyLimit } from '../server/body-limit.js';
import { LOG_LEVELS, type LogLevel } from '../server/log-levels.js';
import type { ProxyOptions } from '../server/proxy/proxy-options.js';
import { PROXY_FLAGS, readProxyConfig } from './proxy-config.js';
import { UsageError } from './usage-error.js';

/** Which store to serve. */
export type StoreChoice =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** The store options settable from the command line, each with its value in effect. */
export interface StoreLimits {
  readonly maxTurns: number;
  readonly ttlSeconds: number;
  readonly maxConversations: number;
  readonly maxTurnBytes: number;
  readonly maxTotalBytes: number;
}

/** Everything `serve` needs to start. */
export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly store: StoreChoice;
  readonly limits: StoreLimits;
  readonly bodyLimit: number;
  readonly token: string | undefined;
  readonly logLevel: LogLevel;
  /** The memory proxy's options; absent without `--upstream`. */
  readonly proxy?: ProxyOptions;
}

/** The flags of `serve`, in `util.parseArgs` form, with the variable each one falls back to. */
export const SERVE_FLAGS = {
  host: { type: 'string', env: 'TURNSTORE_HOST' },
  port: { type: 'string', env: 'TURNSTORE_PORT' },
  store: { type: 'string', env: 'TURNSTORE_STORE' },
  'max-turns': { type: 'string', env: 'TURNSTORE_MAX_TURNS' },
  ttl: { type: 'string', env: 'TURNSTORE_TTL_SECONDS' },
  'max-conversations': { type: 'string', env: 'TURNSTORE_MAX_CONVERSATIONS' },
  'max-turn-bytes': { type: 'string', env: 'TURNSTORE_MAX_TURN_BYTES' },
  'max-total-bytes': { type: 'string', env: 'TURNSTORE_MAX_TOTAL_BYTES' },
  'log-level': { type: 'string', env: undefined },
  ...PROXY_FLAGS,
} as const;

/** A flag of `serve`. */
export type ServeFlag = keyof typeof SERVE_FLAGS;

const SERVE_FLAG_NAMES: readonly string[] = Object.keys(SERVE_FLAGS);

/** Defaults of `serve` beyond the store options. */
export const SERVE_DEFAULTS = { host: '127.0.0.1', port: 8080, logLevel: 'info' as LogLevel };

type Source = { readonly value: string; readonly name: string };

/** The flag's value, else its variable's (an empty variable counts as unset, as in systemd files). */
function pick(flags: Partial<Record<ServeFlag, string>>, env: NodeJS.ProcessEnv, flag: ServeFlag): Source | undefined {
  const fromFlag = flags[flag];
  if (fromFlag !== undefined) return { value: fromFlag, name: `--${flag}` };
  const variable = SERVE_FLAGS[flag].env;
  const fromEnv = variable === undefined ? undefined : env[variable];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, name: variable! };
  return undefined;
}

function integer(source: Source | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (source === undefined) return fallback;
  const value = /^[0-9]+$/.test(source.value) ? Number(source.value) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${source.name} must be ${range}; got ${JSON.stringify(source.value)}`);
  }
  return value;
}

function seconds(source: Source | undefined, fallback: number): number {
  if (source === undefined) return fallback;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(source.value) || !Number.isFinite(Number(source.value))) {
    throw new UsageError(`${source.name} must be a number of seconds ≥ 0 (0 = never expire); got ${JSON.stringify(source.value)}`);
  }
  return Number(source.value);
}

/** Parses a `--store` value: `memory`, `sqlite:PATH`, a `redis://` / `rediss://` or a `postgres://` / `postgresql://` URL. */
export function parseStoreChoice(source: Source | undefined): StoreChoice {
  if (source === undefined || source.value === 'memory') return { kind: 'memory' };
  const { value } = source;
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (path.length === 0) throw new UsageError(`${source.name} sqlite: needs a file path, e.g. sqlite:/var/lib/turnstore/turnstore.db`);
    return { kind: 'sqlite', path };
  }
  if (value.startsWith('redis://') || value.startsWith('rediss://')) {
    if (!URL.canParse(value)) throw new UsageError(`${source.name} is not a valid Redis URL: ${redactUrl(value)}`);
    return { kind: 'redis', url: value };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    if (!URL.canParse(value)) throw new UsageError(`${source.name} is not a valid PostgreSQL URL: ${redactUrl(value)}`);
    return { kind: 'postgres', url: value };
  }
  throw new UsageError(
    `${source.name} must be memory, sqlite:PATH, redis://HOST:PORT or postgres://USER@HOST/DATABASE; got ${JSON.stringify(redactUrl(value))}`,
  );
}

/** A Redis or PostgreSQL URL with its password hidden, for messages and the start line. */
export function redactUrl(url: string): string {
  return url.replace(/^((?:rediss?|postgres(?:ql)?):\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/**
 * Whether `host` is a loopback address, reachable from this machine only. A name other than
 * `localhost` may resolve anywhere, so it does not count.
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const version = isIP(bare);
  if (version === 4) return bare.startsWith('127.');
  if (version === 6) {
    // The URL parser writes every spelling of an IPv6 address the same short way.
    const canonical = new URL(`http://[${bare}]/`).hostname;
    return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
  }
  return false;
}

/** Reads the configuration of `serve` from parsed flags and the environment; throws {@link UsageError}. */
export function readServeConfig(flags: Partial<Record<ServeFlag, string>>, env: NodeJS.ProcessEnv): ServeConfig {
  // parseArgs (strict) refuses an unknown flag on the command line; this holds for every caller.
  checkOptions(flags, { owner: 'turnstore serve', known: SERVE_FLAG_NAMES });
  const hostSource = pick(flags, env, 'host');
  const host = hostSource?.value ?? SERVE_DEFAULTS.host;
  if (host.length === 0) throw new UsageError('--host must not be empty');
  const port = integer(pick(flags, env, 'port'), SERVE_DEFAULTS.port, 0, 65535);
  const store = parseStoreChoice(pick(flags, env, 'store'));
  const maxTurnBytes = integer(pick(flags, env, 'max-turn-bytes'), DEFAULT_OPTIONS.maxTurnBytes, 1);
  // As in the stores: without a budget given, the default grows to hold at least one turn.
  const totalSource = pick(flags, env, 'max-total-bytes');
  const maxTotalBytes = integer(totalSource, Math.max(DEFAULT_OPTIONS.maxTotalBytes, maxTurnBytes), 1);
  if (maxTotalBytes < maxTurnBytes) {
    throw new UsageError(`${totalSource!.name} must be at least max-turn-bytes (${maxTurnBytes}); got ${maxTotalBytes}`);
  }
  const limits: StoreLimits = {
    maxTurns: integer(pick(flags, env, 'max-turns'), DEFAULT_OPTIONS.maxTurns, 1),
    ttlSeconds: seconds(pick(flags, env, 'ttl'), DEFAULT_OPTIONS.ttlSeconds),
    maxConversations: integer(pick(flags, env, 'max-conversations'), DEFAULT_OPTIONS.maxConversations, 1),
    maxTurnBytes,
    maxTotalBytes,
  };
  const levelSource = pick(flags, env, 'log-level');
  const logLevel = (levelSource?.value ?? SERVE_DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(levelSource?.value)}`);

  const rawToken = env.TURNSTORE_TOKEN;
  const token = rawToken === undefined || rawToken === '' ? undefined : rawToken;
  if (token !== undefined) {
    const problem = tokenProblem(token);
    if (problem) throw new UsageError(`TURNSTORE_TOKEN cannot be used: ${problem}`);
  }
  if (token === undefined && !isLoopback(host)) {
    throw new UsageError(
      `refusing to listen on ${host} without a token: anyone who can reach it could read and delete every conversation. Set TURNSTORE_TOKEN (clients then send "Authorization: Bearer <token>"), or listen on 127.0.0.1`,
    );
  }
  const proxy = readProxyConfig(flags, env, limits.maxTurns);
  return { host, port, store, limits, bodyLimit: defaultBodyLimit(limits.maxTurnBytes), token, logLevel, ...(proxy ? { proxy } : {}) };
}
