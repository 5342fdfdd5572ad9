import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { inProcess } from './support/in-process.js';

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('/metrics', () => {
  it('counts requests by method, route pattern and status, with a latency histogram', async () => {
    const service = await inProcess();
    try {
      await service.call('POST', '/v1/conversations/secret-id/turns', { body: { role: 'user', content: 'hi' } });
      await service.call('GET', '/v1/conversations/secret-id');
      await service.call('GET', '/v1/conversations/secret-id');
      await service.call('POST', '/v1/conversations/secret-id/turns', { body: { role: 'robot', content: 'hi' } });
      await service.call('GET', '/no/such/path');
      await service.call('HEAD', '/v1/conversations/secret-id');
      const response = await service.call('GET', '/metrics');
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const text = response.text;
      assert.equal(sample(text, 'turnstore_http_requests_total{method="POST",route="/v1/conversations/:id/turns",status="201"}'), 1);
      assert.equal(sample(text, 'turnstore_http_requests_total{method="GET",route="/v1/conversations/:id",status="200"}'), 2);
      assert.equal(sample(text, 'turnstore_http_requests_total{method="POST",route="/v1/conversations/:id/turns",status="400"}'), 1);
      assert.equal(sample(text, 'turnstore_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
      assert.equal(
        sample(text, 'turnstore_http_requests_total{method="HEAD",route="/v1/conversations/:id",status="200"}'),
        1,
        'a HEAD route is counted once',
      );
      assert.equal(sample(text, 'turnstore_http_request_duration_seconds_count{method="GET",route="/v1/conversations/:id"}'), 2);
      assert.ok(text.includes('turnstore_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/conversations/:id"}'));
      assert.ok(!text.includes('secret-id') && !text.includes('/no/such/path'), 'label values are route patterns, never raw URLs');
    } finally {
      await service.close();
    }
  });

  it('reports the store: conversations, turns, bytes, reachability, and evictions by reason', async () => {
    const service = await inProcess({ storeOptions: { maxConversations: 2 } });
    try {
      for (const id of ['a', 'b', 'c', 'd'])
        await service.call('POST', `/v1/conversations/${id}/turns`, { body: { role: 'user', content: 'héllo' } });
      const first = (await service.call('GET', '/metrics')).text;
      assert.equal(sample(first, 'turnstore_conversations'), 2);
      assert.equal(sample(first, 'turnstore_turns'), 2);
      assert.equal(sample(first, 'turnstore_content_bytes'), 12);
      assert.equal(sample(first, 'turnstore_store_reachable'), 1);
      assert.equal(sample(first, 'turnstore_evictions_total{reason="lru"}'), 2);
      assert.equal(sample(first, 'turnstore_evictions_total{reason="ttl"}'), 0);
      assert.equal(sample(first, 'turnstore_evictions_total{reason="bytes"}'), 0);
      assert.ok((sample(first, 'process_resident_memory_bytes') ?? 0) > 0);
      await service.call('POST', '/v1/conversations/e/turns', { body: { role: 'user', content: 'x' } });
      const second = (await service.call('GET', '/metrics')).text;
      assert.equal(sample(second, 'turnstore_evictions_total{reason="lru"}'), 3, 'the counter follows the store, not doubled per scrape');
      assert.equal(sample((await service.call('GET', '/metrics')).text, 'turnstore_evictions_total{reason="lru"}'), 3);
    } finally {
      await service.close();
    }
  });

  it("uses a registry of its own: nothing in prom-client's global one, and two servers in one process do not collide", async () => {
    const one = await inProcess();
    const two = await inProcess();
    try {
      await one.call('GET', '/healthz');
      assert.equal(globalRegistry.getSingleMetric('turnstore_http_requests_total'), undefined);
      assert.equal(
        sample((await two.call('GET', '/metrics')).text, 'turnstore_http_requests_total{method="GET",route="/healthz",status="200"}'),
        undefined,
      );
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('can be left out (metrics: false): no /metrics route', async () => {
    const service = await inProcess({ metrics: false });
    try {
      assert.equal((await service.call('GET', '/metrics')).status, 404);
    } finally {
      await service.close();
    }
  });
});
