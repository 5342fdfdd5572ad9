/**
 * Nothing loads before it is used: an idle service has neither ajv (route schemas compile on a
 * route's first request) nor prom-client (loaded by the first scrape, or by a backlog of
 * PENDING_LIMIT requests). Each case runs in a process of its own, whose module cache is its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PENDING_LIMIT } from '../../src/server/metrics.js';
import { repoRoot } from '../seed/seed-location.js';

const dist = join(repoRoot(), 'dist', 'src');

/**
 * Runs `steps` (the body of an async function given `app` and `loaded(name)`, which says whether a
 * module of the package `name` is in the module cache) in a fresh process over a fresh server,
 * and returns what it printed as JSON.
 */
function inFreshProcess(steps: string): unknown {
  const script = `
    import { createRequire } from 'node:module';
    const { MemoryStore } = await import(${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)});
    const { createServer } = await import(${JSON.stringify(pathToFileURL(join(dist, 'server', 'index.js')).href)});
    const cache = createRequire(import.meta.url).cache;
    const loaded = (name) => Object.keys(cache).some((path) => path.includes('/node_modules/' + name + '/'));
    const app = await createServer({ store: new MemoryStore(), logLevel: 'silent' });
    await app.ready();
    const out = await (async () => { ${steps} })();
    await app.close();
    process.stdout.write(JSON.stringify(out));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: repoRoot() }));
}

describe('an idle service loads nothing it does not use', () => {
  it('compiles a route’s schemas on its first request, with the same answers', () => {
    const out = inFreshProcess(`
      const idle = [loaded('ajv'), loaded('@fastify/fast-json-stringify-compiler')];
      const bad = await app.inject({ method: 'POST', url: '/v1/conversations/a/turns', payload: { role: 'robot', content: 'hi' } });
      const good = await app.inject({ method: 'POST', url: '/v1/conversations/a/turns', payload: { role: 'user', content: 'hi' } });
      const read = await app.inject({ method: 'GET', url: '/v1/conversations/a' });
      return { idle, after: [loaded('ajv'), loaded('@fastify/fast-json-stringify-compiler')], bad: [bad.statusCode, bad.json()], good: good.statusCode, read: read.json() };
    `) as {
      idle: boolean[];
      after: boolean[];
      bad: [number, { error: { code: string; message: string } }];
      good: number;
      read: { id: string; turns: Array<{ role: string; content: string }> };
    };
    assert.deepEqual(out.idle, [false, false], 'neither validators nor serializers are compiled before a request needs them');
    assert.deepEqual(out.after, [true, true]);
    assert.equal(out.bad[0], 400);
    assert.equal(out.bad[1].error.code, 'TURNSTORE_INVALID_TURN');
    assert.match(out.bad[1].error.message, /role/);
    assert.equal(out.good, 201);
    assert.equal(out.read.id, 'a');
    assert.deepEqual(
      out.read.turns.map(({ role, content }) => [role, content]),
      [['user', 'hi']],
    );
  });

  it('loads prom-client at the first scrape, with the requests answered before it counted', () => {
    const out = inFreshProcess(`
      await app.inject({ method: 'GET', url: '/healthz' });
      await app.inject({ method: 'GET', url: '/healthz' });
      const before = loaded('prom-client');
      const scrape = await app.inject({ method: 'GET', url: '/metrics' });
      return { before, after: loaded('prom-client'), text: scrape.body, type: scrape.headers['content-type'] };
    `) as { before: boolean; after: boolean; text: string; type: string };
    assert.equal(out.before, false, 'prom-client is not loaded before the first scrape');
    assert.equal(out.after, true);
    assert.equal(out.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(out.text.includes('turnstore_http_requests_total{method="GET",route="/healthz",status="200"} 2\n'), out.text);
    assert.ok(out.text.includes('turnstore_http_request_duration_seconds_count{method="GET",route="/healthz"} 2\n'));
  });

  it(`loads prom-client without a scrape once ${PENDING_LIMIT} requests wait to be counted, and counts them all`, () => {
    const out = inFreshProcess(`
      for (let i = 0; i < ${PENDING_LIMIT - 1}; i++) await app.inject({ method: 'GET', url: '/healthz' });
      const below = loaded('prom-client');
      await app.inject({ method: 'GET', url: '/healthz' });
      // The import started by the last request ends on its own, however slow the machine.
      for (let i = 0; i < 400 && !loaded('prom-client'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const at = loaded('prom-client');
      const scrape = await app.inject({ method: 'GET', url: '/metrics' });
      return { below, at, text: scrape.body };
    `) as { below: boolean; at: boolean; text: string };
    assert.equal(out.below, false);
    assert.equal(out.at, true);
    assert.ok(out.text.includes(`turnstore_http_requests_total{method="GET",route="/healthz",status="200"} ${PENDING_LIMIT}\n`));
  });
});
