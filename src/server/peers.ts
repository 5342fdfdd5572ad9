/**
 * The service's optional peers (fastify, prom-client), imported only when a server is created, so
 * that `import 'turnstore'` never loads them and a missing one is a clear `TURNSTORE_MISSING_PEER`
 * rather than a module-resolution crash.
 */
import { createRequire } from 'node:module';
import { missingPeerError } from '../core/errors.js';
import { importPeer, requirePeer } from '../core/import-peer.js';

/**
 * The oldest fastify the service works with. Before 5.10 it lacks `LogController`; before 5.11.1
 * `close()` also cuts requests still in flight (its `forceCloseConnections: 'idle'` default was
 * read as `true`), so SIGTERM would drop them. Kept in step with the peer range in package.json.
 */
export const MIN_FASTIFY_VERSION = '5.11.1';

/**
 * Throws `TURNSTORE_MISSING_PEER` unless `found` is in the same major version as `minimum` and not
 * older: a peer that is installed but too old or too new to work counts as missing.
 */
export function checkPeerVersion(name: string, purpose: string, found: string, minimum: string): void {
  const parse = (version: string) => version.split(/[.+-]/, 3).map(Number);
  const [major, minor, patch] = parse(found);
  const [wantMajor, wantMinor, wantPatch] = parse(minimum);
  const usable = major === wantMajor && (minor! > wantMinor! || (minor === wantMinor && patch! >= wantPatch!));
  if (!usable) {
    throw missingPeerError({
      purpose,
      name,
      wanted: `${minimum} or later within ${wantMajor}.x`,
      installed: found,
      install: `npm install ${name}@^${minimum}`,
    });
  }
}

/** Fastify, loaded on demand, and refused when older than {@link MIN_FASTIFY_VERSION}. */
export async function loadFastify() {
  const purpose = 'The turnstore HTTP service';
  const fastify = await importPeer('fastify', purpose, () => import('fastify'));
  // Resolved from here, as the import above was; fastify's package.json is not behind an exports map.
  const { version } = requirePeer('fastify', purpose, () => createRequire(import.meta.url)('fastify/package.json') as { version: string });
  checkPeerVersion('fastify', purpose, version, MIN_FASTIFY_VERSION);
  return fastify;
}

/** prom-client, loaded on demand. */
export const loadPromClient = () =>
  importPeer('prom-client', 'The /metrics endpoint of the turnstore HTTP service', () => import('prom-client'));
