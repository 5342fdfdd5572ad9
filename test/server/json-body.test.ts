import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_DEPTH } from '../../src/server/json-body.js';
import { assertError, inProcess, type InProcessService } from './support/in-process.js';

/** `{"a":{"a":…1…}}`: `depth` objects, one in the other. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('the JSON body parser: nesting', () => {
  let service: InProcessService;
  before(async () => {
    service = await inProcess();
  });
  after(() => service.close());

  const post = (body: string) =>
    service.call('POST', '/v1/conversations/deep/turns', { body, headers: { 'content-type': 'application/json' } });

  it(`a body nested more than ${MAX_BODY_DEPTH} levels deep is 400 TURNSTORE_BAD_REQUEST saying so, whatever is nested`, async () => {
    for (const body of [
      `{"role":"user","content":"x","metadata":${nestedObjects(5000)}}`,
      `{"turns":[{"role":"user","content":"x","metadata":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`,
      // As deep as a body within the 1 MiB limit can be.
      `${'['.repeat(500_000)}${']'.repeat(500_000)}`,
      nestedObjects(MAX_BODY_DEPTH + 1),
    ]) {
      const response = await post(body);
      assertError(response, 400, 'TURNSTORE_BAD_REQUEST');
      assert.equal(response.json.error.message, `The body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
    }
    assert.deepEqual(await service.store.get('deep'), []);
  });

  it('within the limit the route decides: metadata deeper than the store allows is the store’s TURNSTORE_INVALID_TURN', async () => {
    const response = await post(`{"role":"user","content":"x","metadata":${nestedObjects(60)}}`);
    assertError(response, 400, 'TURNSTORE_INVALID_TURN');
    assert.match(response.json.error.message, /metadata.* is nested more than 32 levels deep/);
    assert.equal(
      (await post(`{"turns":[{"role":"user","content":"x","metadata":${nestedObjects(32)}}]}`)).status,
      201,
      'metadata at the store’s own limit is stored',
    );
  });
});
