import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDirForThisFile } from '../support/temp-dir.js';

// turnstore/sqlite as a user installs it: better-sqlite3 is an optional peer, loaded only when a
// store is created, and its types are not needed to compile against turnstore.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const temp = tempDirForThisFile('turnstore-sqlite-package-');

/** Installs a copy of the built package, with no node_modules anywhere above it, and runs `script` (ESM) beside it. */
function runBesideCopy(
  script: string,
  addPackages: (nodeModules: string) => void = () => {},
): { stdout: string; stderr: string; status: number | null } {
  const place = temp.file('project');
  const packageDir = join(place, 'node_modules', 'turnstore');
  cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
  cpSync(join(root, 'package.json'), join(packageDir, 'package.json'));
  addPackages(join(place, 'node_modules'));
  writeFileSync(join(place, 'check.mjs'), script);
  const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8' });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** A script that creates a store and prints the error it throws (name, code, message, cause's code). */
const CREATE_STORE = [
  "import { SqliteStore } from 'turnstore/sqlite';",
  'try {',
  "  new SqliteStore({ path: 'memory.db' });",
  "  console.log('created');",
  '} catch (error) {',
  '  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message, cause: String(error.cause?.code) }));',
  '}',
].join('\n');

describe('turnstore/sqlite as a package', () => {
  it('without better-sqlite3: importing works, creating a store throws TURNSTORE_MISSING_PEER saying what to install', () => {
    const { stdout, stderr, status } = runBesideCopy(CREATE_STORE);
    assert.equal(stderr, '');
    assert.equal(status, 0);
    const error = JSON.parse(stdout) as { name: string; code: string; message: string; cause: string };
    assert.equal(error.name, 'TurnstoreError');
    assert.equal(error.code, 'TURNSTORE_MISSING_PEER');
    assert.ok(error.message.includes('npm install better-sqlite3@12'), error.message);
    assert.equal(error.cause, 'MODULE_NOT_FOUND');
  });

  it('with better-sqlite3 installed but its build skipped (an install script allowScripts did not approve): TURNSTORE_PEER_LOAD_FAILED says how to approve it', () => {
    const { stdout, stderr, status } = runBesideCopy(CREATE_STORE, (nodeModules) => {
      // The package as npm leaves it when its install script does not run: no build/ folder.
      for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
        cpSync(join(root, 'node_modules', name), join(nodeModules, name), {
          recursive: true,
          filter: (source) => !/[\\/]better-sqlite3[\\/](build|deps|src)$/.test(source),
        });
      }
    });
    assert.equal(stderr, '');
    assert.equal(status, 0);
    const error = JSON.parse(stdout) as { name: string; code: string; message: string };
    assert.equal(error.code, 'TURNSTORE_PEER_LOAD_FAILED');
    assert.ok(error.message.includes('npm install-scripts approve better-sqlite3'), error.message);
    assert.ok(error.message.includes('allowScripts'), error.message);
  });

  it('without better-sqlite3 where turnstore can find it, the driver option brings one', () => {
    const driverPath = join(root, 'node_modules', 'better-sqlite3');
    const { stdout, stderr, status } = runBesideCopy(
      [
        "import { createRequire } from 'node:module';",
        "import { SqliteStore } from 'turnstore/sqlite';",
        `const driver = createRequire(import.meta.url)(${JSON.stringify(driverPath)});`,
        "const store = new SqliteStore({ path: 'memory.db', driver });",
        "await store.append('a', 'user', 'hi');",
        "console.log(JSON.stringify((await store.get('a')).map((turn) => turn.content)));",
        'await store.close();',
      ].join('\n'),
    );
    assert.equal(stderr, '');
    assert.equal(status, 0);
    assert.equal(stdout.trim(), '["hi"]');
  });

  it("its public type declarations do not refer to better-sqlite3's types", () => {
    // better-sqlite3 ships no types; users who did not install @types/better-sqlite3 must still compile.
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      assert.ok(!/['"]better-sqlite3['"]/.test(source.replace(/\/\*\*[\s\S]*?\*\//g, '')), `${file} refers to better-sqlite3`);
      for (const match of source.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) visit(resolve(dirname(file), match[1]!.replace(/\.js$/, '.d.ts')));
    };
    visit(join(root, 'dist/src/sqlite/index.d.ts'));
    assert.ok(seen.size >= 3, `followed ${[...seen].join(', ')}`);
  });
});
