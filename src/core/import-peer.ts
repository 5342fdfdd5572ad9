/**
 * Loading an optional peer with a dynamic `import()`, so that a missing one is a
 * `TURNSTORE_MISSING_PEER` saying what to install rather than a module-resolution crash. Used by
 * the HTTP service (fastify, prom-client), the CLI (the store drivers) and the adapters; the core
 * itself loads no peer.
 */
import { TurnstoreError } from './errors.js';

/** Whether `error` says that the package `name` itself (not something inside it) cannot be found. */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

/**
 * Runs `load` (a dynamic `import()` of `name` or one of its subpaths, written at the call site so
 * it resolves from there); when the package is not installed, rejects with
 * `TURNSTORE_MISSING_PEER` naming what needs it and what to run (`install`, by default
 * `npm install <name>`).
 */
export async function importPeer<T>(name: string, purpose: string, load: () => Promise<T>, install = `npm install ${name}`): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new TurnstoreError('TURNSTORE_MISSING_PEER', `${purpose} needs the package "${name}", which is not installed: run ${install}`, {
        cause: error,
      });
    }
    throw error;
  }
}
