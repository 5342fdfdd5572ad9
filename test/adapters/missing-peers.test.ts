/**
 * The adapter subpaths in a project without their optional peers: a copy of the built package
 * with no node_modules anywhere above it, so nothing but Node built-ins can resolve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWithoutPeers } from '../support/without-peers.js';

describe('adapter subpaths without their peers', () => {
  it('turnstore/langchain without @langchain/core: the import rejects with TURNSTORE_MISSING_PEER saying what to install', () => {
    const outcome = runWithoutPeers([
      'try { await import("turnstore/langchain"); console.log(JSON.stringify("imported")); }',
      'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, cause: Boolean(error.cause) })); }',
    ]) as { code: string; message: string; cause: boolean };
    assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
    assert.match(outcome.message, /turnstore\/langchain needs the package "@langchain\/core".*npm install @langchain\/core@1/);
    assert.ok(outcome.cause);
  });

  it('turnstore/openai-agents without @openai/agents-core: new TurnstoreSession throws TURNSTORE_MISSING_PEER saying what to install and that it needs Node 22', () => {
    const outcome = runWithoutPeers([
      'import { TurnstoreSession } from "turnstore/openai-agents";',
      'import { MemoryStore } from "turnstore";',
      'try { new TurnstoreSession({ store: new MemoryStore(), sessionId: "c" }); console.log(JSON.stringify("constructed")); }',
      'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, cause: Boolean(error.cause) })); }',
    ]) as { code: string; message: string; cause: boolean };
    assert.equal(outcome.code, 'TURNSTORE_MISSING_PEER');
    assert.match(
      outcome.message,
      /turnstore\/openai-agents needs the package "@openai\/agents-core".*npm install @openai\/agents\..*Node\.js 22 or later/,
    );
    assert.ok(outcome.cause);
  });

  it('turnstore/openai-agents with @openai/agents-core installed constructs a session, loading nothing from it', () => {
    const outcome = runWithoutPeers(
      [
        'import { TurnstoreSession } from "turnstore/openai-agents";',
        'import { MemoryStore } from "turnstore";',
        'const session = new TurnstoreSession({ store: new MemoryStore(), sessionId: "c" });',
        'console.log(JSON.stringify({ id: await session.getSessionId(), loaded: globalThis.agentsCoreLoaded ?? false }));',
      ],
      [{ name: '@openai/agents-core', source: 'globalThis.agentsCoreLoaded = true;' }],
    );
    assert.deepEqual(outcome, { id: 'c', loaded: false });
  });

  it('turnstore/openai-agents: the item mapping needs nothing from the SDK', () => {
    const outcome = runWithoutPeers([
      'import { turnsOfItems, itemsOfTurns } from "turnstore/openai-agents";',
      'const turns = turnsOfItems([{ type: "message", role: "user", content: "hi" }]);',
      'console.log(JSON.stringify({ turns, items: itemsOfTurns(turns.map((turn) => ({ ...turn, ts: 1 }))) }));',
    ]);
    assert.deepEqual(outcome, { turns: [{ role: 'user', content: 'hi' }], items: [{ type: 'message', role: 'user', content: 'hi' }] });
  });

  it('turnstore/ai-sdk needs nothing from ai at run time', () => {
    const outcome = runWithoutPeers([
      'import { fromModelMessages, toModelMessages } from "turnstore/ai-sdk";',
      'const turns = fromModelMessages([{ role: "user", content: [{ type: "text", text: "hi" }] }]);',
      'console.log(JSON.stringify({ turns, messages: toModelMessages(turns) }));',
    ]);
    assert.deepEqual(outcome, { turns: [{ role: 'user', content: 'hi' }], messages: [{ role: 'user', content: 'hi' }] });
  });
});
