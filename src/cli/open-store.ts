/**
 * Opens the store `serve` was asked for. The SQLite, Redis and PostgreSQL stores are imported only when chosen,
 * so the memory store runs without their drivers installed; when a backend or its driver is
 * missing, the failure is a `TURNSTORE_MISSING_PEER` saying what to install.
 */
import { isTurnstoreError, peerLoadFailedError } from '../core/errors.js';
import type { StoreOptions } from '../core/options.js';
import type { ConversationStore } from '../core/types.js';
import { MemoryStore } from '../memory/memory-store.js';
import { isMissingPackage, peerFailure } from '../core/import-peer.js';
import type { StoreChoice, StoreLimits } from './serve-config.js';

/** The backends loaded on demand: their module beside this one, export, and driver package. */
const BACKENDS = {
  sqlite: { module: '../sqlite/index.js', exportName: 'SqliteStore', driver: 'better-sqlite3', label: 'The SQLite store' },
  redis: { module: '../redis/index.js', exportName: 'RedisStore', driver: 'redis', label: 'The Redis store' },
  postgres: { module: '../postgres/index.js', exportName: 'PostgresStore', driver: 'pg', label: 'The PostgreSQL store' },
} as const;

type BackendConstructor = new (options: StoreOptions & Record<string, unknown>) => ConversationStore;

/** A turnstore whose own backend module is absent or wrong: a partial install, to reinstall (or serve from memory). */
function brokenBuild(purpose: string, reason: string, cause?: unknown) {
  return peerLoadFailedError({ purpose, name: 'turnstore', reason, install: 'npm install turnstore, or use --store memory' }, { cause });
}

async function loadBackend(kind: keyof typeof BACKENDS): Promise<BackendConstructor> {
  const backend = BACKENDS[kind];
  let loaded: Record<string, unknown>;
  try {
    // A computed specifier: the backend is not a static dependency of the command line.
    const specifier: string = backend.module;
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (isTurnstoreError(error)) throw error;
    if (isMissingPackage(error, backend.driver)) throw peerFailure(error, backend.driver, backend.label);
    if (
      error instanceof Error &&
      (error as Error & { code?: string }).code === 'ERR_MODULE_NOT_FOUND' &&
      error.message.includes(backend.module.slice(3))
    ) {
      throw brokenBuild(backend.label, `this build of turnstore has no turnstore/${kind}`, error);
    }
    throw error;
  }
  const constructor = loaded[backend.exportName];
  if (typeof constructor !== 'function') {
    throw brokenBuild(backend.label, `turnstore/${kind} of this build does not export ${backend.exportName}`);
  }
  return constructor as BackendConstructor;
}

/** Creates the chosen store with the command line's limits. */
export async function openStore(choice: StoreChoice, limits: StoreLimits): Promise<ConversationStore> {
  switch (choice.kind) {
    case 'memory':
      return new MemoryStore({ ...limits });
    case 'sqlite':
      return new (await loadBackend('sqlite'))({ path: choice.path, ...limits });
    case 'redis':
      return new (await loadBackend('redis'))({ url: choice.url, ...limits });
    case 'postgres':
      return new (await loadBackend('postgres'))({ connectionString: choice.url, ...limits });
  }
}
