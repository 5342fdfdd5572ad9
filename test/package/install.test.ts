import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// What a fresh `npm install` of the repository gets, read from the locks: a lean product install
// (the benchmarks' packages in bench/'s own lock), no EBADENGINE warning on any Node.js the
// `engines` field accepts, and no install script left unreviewed by `allowScripts`.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(root, ...path), 'utf8')) as Record<string, unknown>;

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly hasInstallScript?: boolean;
}
type Manifest = { engines: { node: string }; allowScripts?: Record<string, boolean>; devDependencies: Record<string, string> };

const manifest = readJson('package.json') as Manifest;
const lockEntries = (...path: string[]) =>
  Object.entries((readJson(...path) as { packages: Record<string, LockEntry> }).packages).filter(([path]) => path !== '');
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
// semver comes with fastify (a devDependency), as npm itself uses it to check engines.
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};

/** The oldest release of each Node.js line `engines.node` accepts, e.g. 20.19.0, 22.0.0, 24.0.0, and the ones CI runs. */
const SUPPORTED = ['20.19.0', '20.20.2', '22.0.0', '22.23.5', '24.0.0', '24.22.3'];

describe('a fresh install of the repository', () => {
  it('keeps the product lock lean: at most 180 packages, none of the benchmarks’ own', () => {
    const packages = lockEntries('package-lock.json');
    assert.ok(packages.length <= 180, `the root lock holds ${packages.length} packages`);
    const bench = readJson('bench', 'package.json') as { devDependencies: Record<string, string> };
    const benchOnly = Object.keys(bench.devDependencies).filter((name) => !(name in manifest.devDependencies));
    assert.ok(benchOnly.includes('@langchain/community') && benchOnly.includes('autocannon'), benchOnly.join(', '));
    for (const [path] of packages) assert.ok(!benchOnly.includes(nameOf(path)), `${path} is the benchmarks' package`);
  });

  it('accepts exactly the Node.js lines it is tested on', () => {
    for (const version of SUPPORTED) assert.ok(semver.satisfies(version, manifest.engines.node), version);
    for (const version of ['18.20.0', '20.18.0', '21.7.0']) assert.ok(!semver.satisfies(version, manifest.engines.node), version);
  });

  for (const lock of [['package-lock.json'], ['bench', 'package-lock.json']]) {
    it(`${lock.join('/')}: every package runs on every supported Node.js (no EBADENGINE)`, () => {
      const refused: string[] = [];
      for (const [path, entry] of lockEntries(...lock)) {
        const range = Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string } | undefined)?.node;
        if (range === undefined) continue;
        for (const version of SUPPORTED)
          if (!semver.satisfies(version, range)) refused.push(`${nameOf(path)}@${entry.version} wants ${range}, not ${version}`);
      }
      assert.deepEqual(refused, []);
    });
  }

  it('has every install script in the lock reviewed in allowScripts', () => {
    const allowed = manifest.allowScripts ?? {};
    const unreviewed = lockEntries('package-lock.json')
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path, entry]) => `${nameOf(path)}@${entry.version}`)
      .filter((id) => !Object.keys(allowed).some((key) => key === id || key === id.slice(0, id.lastIndexOf('@'))));
    assert.deepEqual(unreviewed, []);
    assert.equal(allowed['better-sqlite3'], true);
  });
});
