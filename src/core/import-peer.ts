/**
 * The one way turnstore loads an optional peer (better-sqlite3, redis, pg, gpt-tokenizer, fastify,
 * prom-client, @langchain/core, @openai/agents-core, fast-check): the caller writes the `import()`
 * or `require()` (or `require.resolve()`) at its own site, so it resolves from there, and hands it here. A failure is then one of two errors:
 * - the package is not installed: `TURNSTORE_MISSING_PEER`, saying what to run;
 * - it is installed but loading it threw (a native addon built for another Node.js version, a
 *   broken or partial install, a dependency of it missing): `TURNSTORE_PEER_LOAD_FAILED`, with the
 *   loading error as `cause`.
 * The core itself loads no peer.
 */
import { missingPeerError, peerLoadFailedError, TurnstoreError, type PeerDetails } from './errors.js';

/**
 * A sentence per peer about what it needs beyond being installed (a Node.js version, an approved
 * install script), added to both errors, so every message about a peer says the same.
 */
export const PEER_NOTES: Readonly<Record<string, string>> = {
  'better-sqlite3':
    'Its native module is built by an install script, which npm 12 skips unless allowScripts approves it: npm install-scripts approve better-sqlite3, then npm rebuild better-sqlite3.',
  '@openai/agents-core': 'It needs Node.js 22 or later (it depends on openai 7).',
};

/** Whether `error` says that the package `name` itself (not something inside it) cannot be found. */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

/** The first line of an error's message, bounded: what a one-line report of the failure can carry. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message
    .split('\n', 1)[0]!
    .trim()
    .replace(/[.:;]+$/, '');
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

/**
 * The turnstore error for `error`, thrown while loading the peer `name`: missing or failed to load.
 * A `TurnstoreError` (a check the loader made itself) passes through unchanged.
 */
export function peerFailure(error: unknown, name: string, purpose: string, install?: string): TurnstoreError {
  if (error instanceof TurnstoreError) return error;
  const details: PeerDetails = {
    name,
    purpose,
    ...(install === undefined ? {} : { install }),
    ...(PEER_NOTES[name] === undefined ? {} : { needs: PEER_NOTES[name] }),
  };
  if (isMissingPackage(error, name)) return missingPeerError(details, { cause: error });
  return peerLoadFailedError({ ...details, reason: reasonOf(error) }, { cause: error });
}

/**
 * Runs `load` (a dynamic `import()` of `name` or one of its subpaths, written at the call site so
 * it resolves from there) and returns what it loaded. Rejects with `TURNSTORE_MISSING_PEER` when the
 * package is not installed (naming `purpose`, what needs it, and `install`, by default
 * `npm install <name>`), or `TURNSTORE_PEER_LOAD_FAILED` when loading it threw.
 */
export async function importPeer<T>(name: string, purpose: string, load: () => Promise<T>, install?: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw peerFailure(error, name, purpose, install);
  }
}

/**
 * {@link importPeer} for a peer loaded synchronously (a CommonJS `require`, for a constructor or a
 * counter that cannot be async): the same two errors.
 */
export function requirePeer<T>(name: string, purpose: string, load: () => T, install?: string): T {
  try {
    return load();
  } catch (error) {
    throw peerFailure(error, name, purpose, install);
  }
}
