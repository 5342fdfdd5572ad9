/**
 * prom-client loads at the first scrape, but a server with metrics on and no prom-client installed
 * is still refused when it is created: beside a copy of the built package with fastify and no
 * prom-client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../seed/seed-location.js';

describe('a service without prom-client', () => {
  it('refuses metrics when created, naming what to install; metrics: false serves without it', () => {
    const root = repoRoot();
    const place = mkdtempSync(join(tmpdir(), 'turnstore-no-prom-client-'));
    try {
      const packageDir = join(place, 'node_modules', 'turnstore');
      cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
      writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
      mkdirSync(join(place, 'node_modules'), { recursive: true });
      symlinkSync(realpathSync(join(root, 'node_modules', 'fastify')), join(place, 'node_modules', 'fastify'), 'dir');
      writeFileSync(
        join(place, 'check.mjs'),
        `
        import { MemoryStore } from 'turnstore';
        import { createServer } from 'turnstore/server';
        const out = {};
        try { await createServer({ store: new MemoryStore(), logLevel: 'silent' }); out.created = true; }
        catch (error) { out.code = error.code; out.message = error.message; }
        const app = await createServer({ store: new MemoryStore(), logLevel: 'silent', metrics: false });
        out.health = (await app.inject({ method: 'GET', url: '/healthz' })).statusCode;
        await app.close();
        process.stdout.write(JSON.stringify(out));
        `,
      );
      const result = spawnSync(process.execPath, ['check.mjs'], { cwd: place, encoding: 'utf8', timeout: 20_000 });
      assert.equal(result.stderr, '');
      const out = JSON.parse(result.stdout) as { created?: boolean; code?: string; message?: string; health: number };
      assert.equal(out.created, undefined);
      assert.equal(out.code, 'TURNSTORE_MISSING_PEER');
      assert.match(
        out.message!,
        /The \/metrics endpoint of the turnstore HTTP service needs the package "prom-client", which is not installed: run npm install prom-client/,
      );
      assert.equal(out.health, 200);
    } finally {
      rmSync(place, { recursive: true, force: true });
    }
  });
});
