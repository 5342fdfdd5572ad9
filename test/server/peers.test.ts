import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkPeerVersion, loadFastify, MIN_FASTIFY_VERSION } from '../../src/server/peers.js';
import { repoRoot } from '../seed/seed-location.js';

describe('the service peers', () => {
  it('refuses a fastify older than 5.11.1 or of another major version, naming what to install', () => {
    for (const found of ['5.0.0', '5.10.0', '5.11.0', '4.29.1', '6.0.0', '5.11.0-rc.1']) {
      assert.throws(
        () => checkPeerVersion('fastify', 'The service', found, MIN_FASTIFY_VERSION),
        (error: unknown) => {
          assert.equal((error as { code?: string }).code, 'TURNSTORE_MISSING_PEER');
          assert.match(
            (error as Error).message,
            new RegExp(`${found.replace(/\./g, '\\.')} is installed: run npm install fastify@\\^5\\.11\\.1`),
          );
          return true;
        },
      );
    }
    for (const found of ['5.11.1', '5.11.2', '5.12.0', '5.12.8', '5.100.0'])
      checkPeerVersion('fastify', 'The service', found, MIN_FASTIFY_VERSION);
  });

  it('loads the installed fastify, and the minimum is the peer range of package.json', async () => {
    assert.equal(typeof (await loadFastify()).default, 'function');
    const manifest = JSON.parse(readFileSync(`${repoRoot()}/package.json`, 'utf8')) as { peerDependencies: Record<string, string> };
    assert.equal(manifest.peerDependencies.fastify, `^${MIN_FASTIFY_VERSION}`);
  });
});
