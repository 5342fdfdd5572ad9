/**
 * Loading an adapter's optional peer with a dynamic `import()`, so a missing one is a
 * `TURNSTORE_MISSING_PEER` saying what to install rather than a module-resolution crash. (The HTTP
 * service has the same helper in src/server/peers.ts; adapters do not import the service.)
 */
import { TurnstoreError } from '../core/errors.js';

/** Whether `error` says that the package `name` itself (not something inside it) cannot be found. */
function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

/**
 * Runs `load` (a dynamic `import()` of `name` or one of its subpaths); when the package is not
 * installed, rejects with `TURNSTORE_MISSING_PEER` naming what to install and what needs it.
 */
export async function importPeer<T>(name: string, install: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new TurnstoreError('TURNSTORE_MISSING_PEER', `${purpose} needs the package "${name}", which is not installed: run ${install}`, { cause: error });
    }
    throw error;
  }
}
