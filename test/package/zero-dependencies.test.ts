import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

/** Every module `import 'turnstore'` loads, following static imports from the built entry point. */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else external.add(specifier);
    }
  };
  visit(entry);
  return { files: [...files], external: [...external] };
}

describe("import 'turnstore'", () => {
  it('declares no runtime dependencies', () => {
    assert.equal(manifest.dependencies, undefined);
  });

  it('loads nothing but its own files and Node built-ins', () => {
    const { files, external } = importGraph(join(root, 'dist/src/index.js'));
    assert.ok(files.length > 3, 'the graph was followed');
    for (const specifier of external) {
      const name = specifier.replace(/^node:/, '');
      assert.ok(builtinModules.includes(name), `${specifier} is not a Node built-in`);
    }
    for (const file of files) assert.ok(file.startsWith(join(root, 'dist/src')), `${file} is outside the package`);
  });

  it('works from a copy of the package with no node_modules anywhere above it', () => {
    const place = mkdtempSync(join(tmpdir(), 'turnstore-bare-'));
    try {
      const packageDir = join(place, 'node_modules', 'turnstore');
      cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
      writeFileSync(join(packageDir, 'package.json'), JSON.stringify(manifest));
      const script = [
        "import { MemoryStore } from 'turnstore';",
        'const store = new MemoryStore();',
        "await store.append('a', 'user', 'hi');",
        "const turns = await store.get('a');",
        'await store.close();',
        'console.log(JSON.stringify(turns.map((t) => t.content)));',
      ].join('\n');
      writeFileSync(join(place, 'check.mjs'), script);
      const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8' });
      assert.equal(result.stderr, '');
      assert.equal(result.status, 0);
      assert.equal(result.stdout.trim(), '["hi"]');
    } finally {
      rmSync(place, { recursive: true, force: true });
    }
  });
});
