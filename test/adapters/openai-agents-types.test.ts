/**
 * turnstore does not import the Agents SDK's types (the root compiles without the SDK), so whether
 * TypeScript accepts a `TurnstoreSession` where the SDK wants a `Session` is checked here: a user's
 * file in the peer project (which has @openai/agents, so Node.js 22) is compiled with the root's
 * TypeScript. A file that misuses the SDK's types must fail, or the check would prove nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { peerProject } from '../support/peer-project.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const project = peerProject('openai-agents');

/** Compiles `source` as a file of the project (strict, Node16 modules); returns tsc's status and output. */
function compile(name: string, source: string): { status: number | null; output: string } {
  if ('skip' in project) throw new Error(project.skip);
  const dir = join(project.dir, 'node_modules', '.examples');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, source);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    file,
  ];
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('TurnstoreSession and the SDK’s types', { skip: 'skip' in project ? project.skip : false }, () => {
  it('a TurnstoreSession is a Session to TypeScript: run() takes it, its items are AgentInputItems', () => {
    const { status, output } = compile(
      'session-types.ts',
      [
        "import { Agent, run, type AgentInputItem, type Session } from '@openai/agents';",
        "import { MemoryStore } from 'turnstore';",
        "import { TurnstoreSession } from 'turnstore/openai-agents';",
        "const session: Session = new TurnstoreSession({ store: new MemoryStore(), sessionId: 'x' });",
        "export const result = run(new Agent({ name: 'a' }), 'hi', { session: new TurnstoreSession({ store: new MemoryStore(), sessionId: 'y' }) });",
        'export const items: Promise<AgentInputItem[]> = session.getItems(2);',
        '',
      ].join('\n'),
    );
    assert.equal(status, 0, output);
  });

  it('the check is real: a session whose items are not AgentInputItems is refused', () => {
    const { status, output } = compile(
      'not-a-session.ts',
      [
        "import type { Session } from '@openai/agents';",
        'class NumberSession {',
        "  async getSessionId() { return 'x'; }",
        '  async getItems(): Promise<number[]> { return []; }',
        '  async addItems(_items: number[]) {}',
        '  async popItem(): Promise<number | undefined> { return undefined; }',
        '  async clearSession() {}',
        '}',
        'export const session: Session = new NumberSession();',
        '',
      ].join('\n'),
    );
    assert.notEqual(status, 0);
    assert.match(output, /not-a-session\.ts\(9,14\): error TS2322: Type 'NumberSession' is not assignable to type 'Session'/);
  });
});
