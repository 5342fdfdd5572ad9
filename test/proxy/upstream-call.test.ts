import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/server/http-errors.js';
import { UpstreamCall } from '../../src/server/proxy/upstream-call.js';
import { startFakeUpstream } from './support/fake-upstream.js';

describe('UpstreamCall', () => {
  it('a body that cannot be serialized fails before anything is sent, and is not blamed on the upstream', async () => {
    const upstream = await startFakeUpstream();
    try {
      let deep: unknown = 1;
      for (let level = 0; level < 200_000; level++) deep = { a: deep };
      const error = await new UpstreamCall(1000)
        .post(`${upstream.url}/chat/completions`, { model: 'm', messages: [], deep }, {})
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof RangeError, String(error));
      assert.ok(!(error instanceof HttpError));
      assert.equal(upstream.requests.length, 0);
    } finally {
      await upstream.close();
    }
  });
});
