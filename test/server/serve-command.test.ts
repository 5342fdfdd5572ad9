import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request, runCli, startService } from './support/service-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('turnstore serve', () => {
  it('prints one line saying where it listens, which store and which limits, and nothing else', async () => {
    const service = await startService();
    try {
      assert.match(
        service.startLine,
        new RegExp(
          `^turnstore ${version.replace(/\./g, '\\.')} listening on http://127\\.0\\.0\\.1:\\d+ \\(store memory; maxTurns 8, ttlSeconds 3600, maxConversations 500, maxTurnBytes 65536, maxTotalBytes 67108864, bodyLimit 1048576; no token\\)$`,
        ),
      );
      await request(service, 'GET', '/v1/conversations/x');
      assert.deepEqual(service.output(), { stdout: `${service.startLine}\n`, stderr: '' }, 'requests are not logged at the default level');
    } finally {
      await service.stop();
    }
  });

  it('--log-level debug logs each request as a JSON line, after the start line', async () => {
    const service = await startService(['--log-level', 'debug']);
    try {
      await request(service, 'GET', '/v1/conversations/logged');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lines = service.output().stdout.trimEnd().split('\n');
      assert.equal(lines[0], service.startLine);
      const entries = lines
        .slice(1)
        .map((line) => JSON.parse(line) as { msg: string; req?: { url: string }; res?: { statusCode: number } });
      assert.ok(
        entries.some((entry) => entry.msg === 'incoming request' && entry.req?.url === '/v1/conversations/logged'),
        lines.join('\n'),
      );
      assert.ok(
        entries.some((entry) => entry.msg === 'request completed' && entry.res?.statusCode === 200),
        lines.join('\n'),
      );
    } finally {
      await service.stop();
    }
  });

  it('takes limits from flags and TURNSTORE_* variables, the flag winning', async () => {
    const env = { TURNSTORE_MAX_TURNS: '3', TURNSTORE_TTL_SECONDS: '90', TURNSTORE_MAX_CONVERSATIONS: '7', TURNSTORE_MAX_TURN_BYTES: '10' };
    const fromEnv = await startService([], env);
    try {
      assert.match(fromEnv.startLine, /maxTurns 3, ttlSeconds 90, maxConversations 7, maxTurnBytes 10,/);
      for (let i = 0; i < 5; i++) await request(fromEnv, 'POST', '/v1/conversations/c/turns', { body: { role: 'user', content: `t${i}` } });
      assert.deepEqual(
        (await request(fromEnv, 'GET', '/v1/conversations/c')).json.turns.map((turn: { content: string }) => turn.content),
        ['t2', 't3', 't4'],
      );
      assert.equal(
        (await request(fromEnv, 'POST', '/v1/conversations/c/turns', { body: { role: 'user', content: 'x'.repeat(11) } })).status,
        413,
      );
    } finally {
      await fromEnv.stop();
    }
    const fromFlags = await startService(
      ['--max-turns', '5', '--ttl', '0.5', '--max-conversations', '2', '--max-turn-bytes', '1000000'],
      env,
    );
    try {
      assert.match(
        fromFlags.startLine,
        /maxTurns 5, ttlSeconds 0\.5, maxConversations 2, maxTurnBytes 1000000, maxTotalBytes 67108864, bodyLimit 4065536;/,
      );
    } finally {
      await fromFlags.stop();
    }
  });

  it('TURNSTORE_PORT and TURNSTORE_HOST are read; --port wins', async () => {
    const service = await startService(['--port', '0'], { TURNSTORE_PORT: '1', TURNSTORE_HOST: 'localhost' });
    try {
      assert.match(service.startLine, /listening on http:\/\/(127\.0\.0\.1|\[::1\]):\d+ /);
      assert.doesNotMatch(service.startLine, /:1 \(/);
    } finally {
      await service.stop();
    }
  });

  const badUsages: Array<[string[], Record<string, string>, RegExp]> = [
    [['--port', '70000'], {}, /--port must be an integer from 0 to 65535; got "70000"/],
    [['--port', 'http'], {}, /--port must be an integer/],
    [[], { TURNSTORE_PORT: 'eighty' }, /TURNSTORE_PORT must be an integer from 0 to 65535; got "eighty"/],
    [['--max-turns', '0'], {}, /--max-turns must be an integer ≥ 1; got "0"/],
    [['--max-turns', '2.5'], {}, /--max-turns must be an integer ≥ 1/],
    [[], { TURNSTORE_MAX_CONVERSATIONS: '-1' }, /TURNSTORE_MAX_CONVERSATIONS must be an integer ≥ 1/],
    [['--max-turn-bytes', 'lots'], {}, /--max-turn-bytes must be an integer ≥ 1/],
    [['--ttl=-5'], {}, /--ttl must be a number of seconds ≥ 0/],
    [[], { TURNSTORE_TTL_SECONDS: 'soon' }, /TURNSTORE_TTL_SECONDS must be a number of seconds ≥ 0/],
    [['--store', 'mongodb://x'], {}, /--store must be memory, sqlite:PATH, redis:\/\/HOST:PORT or postgres:\/\/USER@HOST\/DATABASE/],
    [['--store', 'sqlite:'], {}, /sqlite: needs a file path/],
    [['--store', 'redis://user:hunter2@[bad'], {}, /not a valid Redis URL: redis:\/\/user:\*\*\*@\[bad/],
    [['--log-level', 'loud'], {}, /--log-level must be one of fatal, error, warn, info, debug, trace, silent/],
    [['--colour'], {}, /Unknown option '--colour'/],
    [['--port'], {}, /--port <value>' argument missing/],
    [['extra'], {}, /serve takes no arguments/],
    [[], { TURNSTORE_TOKEN: 'two words' }, /TURNSTORE_TOKEN cannot be used: it must be printable ASCII without spaces/],
  ];
  for (const [args, env, message] of badUsages) {
    it(`bad usage ${JSON.stringify([...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)])} is one line on stderr and exit code 2`, () => {
      const result = runCli(['serve', ...args], env);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
      assert.match(result.stderr, /^turnstore: /);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /hunter2/, 'a password in a URL is never printed');
    });
  }

  it('--help lists every flag and variable', () => {
    const result = runCli(['--help']);
    assert.equal(result.status, 0);
    for (const word of [
      '--host',
      '--port',
      '--store',
      '--max-turns',
      '--ttl',
      '--max-conversations',
      '--max-turn-bytes',
      '--log-level',
      'TURNSTORE_HOST',
      'TURNSTORE_PORT',
      'TURNSTORE_STORE',
      'TURNSTORE_MAX_TURNS',
      'TURNSTORE_TTL_SECONDS',
      'TURNSTORE_MAX_CONVERSATIONS',
      'TURNSTORE_MAX_TURN_BYTES',
      'TURNSTORE_TOKEN',
    ]) {
      assert.ok(result.stdout.includes(word), word);
    }
  });

  it('a port in use is a one-line error, exit 1', async () => {
    const first = await startService();
    try {
      const port = new URL(first.url).port;
      const result = runCli(['serve', '--port', port]);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^turnstore: cannot listen: .*EADDRINUSE.*\n$/);
    } finally {
      await first.stop();
    }
  });
});

describe('turnstore serve stopping', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: stops accepting, finishes the request in flight, closes the store, exits 0`, async () => {
      const service = await startService();
      const { port } = new URL(service.url);
      // A request in flight: headers and half the body sent before the signal, the rest after.
      const body = JSON.stringify({ role: 'user', content: 'sent across the signal' });
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      socket.write(
        `POST /v1/conversations/inflight/turns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stopped = service.stop(signal);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await assert.rejects(fetch(`${service.url}/healthz`), 'no new connections once stopping');
      socket.write(body.slice(10));
      const exit = await stopped;
      await closed;
      assert.match(answer, /^HTTP\/1\.1 201 /, answer);
      assert.match(answer, /"appended":1/);
      assert.deepEqual(exit, { code: 0, signal: null });
      const { stdout, stderr } = service.output();
      assert.match(stdout, new RegExp(`${signal} received; finishing requests in flight, then closing the store\\nturnstore: stopped\\n$`));
      assert.equal(stderr, '');
    });
  }

  it('an idle keep-alive connection does not hold the stop up', async () => {
    const service = await startService();
    const agentResponse = await request(service, 'GET', '/healthz', { headers: { connection: 'keep-alive' } });
    assert.equal(agentResponse.status, 200);
    const started = Date.now();
    assert.deepEqual(await service.stop(), { code: 0, signal: null });
    assert.ok(Date.now() - started < 3000, `stopped in ${Date.now() - started} ms`);
  });
});

describe('turnstore serve without its optional peers', () => {
  it('says which package to install, in one line, exit 1: fastify for the service, better-sqlite3 and redis for their stores', () => {
    // A copy of the built package with no node_modules anywhere above it.
    const place = mkdtempSync(join(tmpdir(), 'turnstore-bare-serve-'));
    try {
      const packageDir = join(place, 'node_modules', 'turnstore');
      cpSync(join(root, 'dist/src'), join(packageDir, 'dist/src'), { recursive: true });
      writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
      const cli = join(packageDir, 'dist/src/cli/main.js');
      const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: place, encoding: 'utf8', timeout: 20_000 });
      const cases: Array<[string[], string]> = [
        [['serve', '--port', '0'], 'fastify'],
        [['serve', '--port', '0', '--store', `sqlite:${join(place, 'memory.db')}`], 'better-sqlite3'],
        [['serve', '--port', '0', '--store', 'redis://127.0.0.1:1'], 'redis'],
      ];
      for (const [args, missing] of cases) {
        const result = run(...args);
        assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`npm install ${missing}\\b`));
        assert.match(result.stderr, /TURNSTORE_MISSING_PEER/);
      }
      assert.equal(run('--version').stdout.trim(), version, '--version needs no peer');
      // The library entry point too: importing it needs nothing; creating a server names what is missing.
      writeFileSync(
        join(place, 'embed.mjs'),
        [
          "import { MemoryStore } from 'turnstore';",
          "import { createServer } from 'turnstore/server';",
          'try { await createServer({ store: new MemoryStore() }); console.log("created"); }',
          'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }',
        ].join('\n'),
      );
      const embedded = spawnSync(process.execPath, ['embed.mjs'], { cwd: place, encoding: 'utf8', timeout: 20_000 });
      assert.equal(embedded.status, 0, embedded.stderr);
      const outcome = JSON.parse(embedded.stdout) as { code: string; message: string };
      assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
      assert.match(outcome.message, /npm install fastify/);
    } finally {
      rmSync(place, { recursive: true, force: true });
    }
  });
});
