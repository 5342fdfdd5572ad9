import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A project of a turnstore user under test/peer-projects (see scripts/peer-projects.mjs). */
export interface PeerProject {
  readonly dir: string;
  /** Imports `specifier` as code in the project would: peers and `turnstore/...` resolve in its node_modules. */
  load(specifier: string): Promise<unknown>;
  /** The installed version of `name` in the project. */
  version(name: string): string;
}

const projects = fileURLToPath(new URL('../../../test/peer-projects/', import.meta.url));

/**
 * The peer project `name`, or the reason its tests cannot run on this runtime (the Node it needs).
 * A project the runtime can serve but that is not prepared is an error, not a skip: the test run
 * (scripts/run-tests.mjs) prepares every project it can.
 */
export function peerProject(name: string): PeerProject | { readonly skip: string } {
  const dir = join(projects, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const needs = Number(/>=\s*(\d+)/.exec(manifest.engines?.node ?? '>=0')?.[1] ?? 0);
  const major = Number(process.versions.node.split('.')[0]);
  if (major < needs) return { skip: `needs Node >= ${needs} (peer project ${name}); this is ${process.versions.node}` };
  if (!existsSync(join(dir, 'node_modules', 'turnstore', 'dist'))) {
    throw new Error(`peer project ${name} is not prepared: run the tests through scripts/run-tests.mjs (npm test), which installs it`);
  }
  const loader = import(pathToFileURL(join(dir, 'load.mjs')).href) as Promise<{ load(specifier: string): Promise<unknown> }>;
  return {
    dir,
    load: async (specifier) => (await loader).load(specifier),
    version: (pkg) => (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version,
  };
}
