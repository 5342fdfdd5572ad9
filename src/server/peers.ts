/**
 * The service's optional peers (fastify, prom-client), imported only when a server is created, so
 * that `import 'turnstore'` never loads them and a missing one is a clear `TURNSTORE_MISSING_PEER`
 * rather than a module-resolution crash.
 */
import { TurnstoreError } from '../core/errors.js';

/** Whether `error` says that the package `name` itself (not something inside it) cannot be found. */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

/**
 * Runs `load` (a dynamic `import()` of `name`); when the package is not installed, rejects with
 * `TURNSTORE_MISSING_PEER` naming what to install and what it is for.
 */
export async function importPeer<T>(name: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, name)) {
      throw new TurnstoreError('TURNSTORE_MISSING_PEER', `${purpose} needs the package "${name}", which is not installed: run npm install ${name}`, { cause: error });
    }
    throw error;
  }
}

/** Fastify, loaded on demand. */
export const loadFastify = () => importPeer('fastify', 'The turnstore HTTP service', () => import('fastify'));

/** prom-client, loaded on demand. */
export const loadPromClient = () => importPeer('prom-client', 'The /metrics endpoint of the turnstore HTTP service', () => import('prom-client'));
