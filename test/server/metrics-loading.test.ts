/** When the service's metrics load prom-client, and what a failed load does. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/index.js';
import { createMetrics, PENDING_LIMIT } from '../../src/server/metrics.js';

const promClient = () => import('prom-client');

describe('the metrics load prom-client when needed', () => {
  it('not before the first scrape, which reports every request answered before it, in order', async () => {
    let loads = 0;
    const metrics = createMetrics(() => (loads++, promClient()), new MemoryStore());
    const record = metrics.recorderFor('/healthz');
    record('GET', 200, 0.0004);
    record('GET', 200, 0.002);
    record('GET', 503, 3);
    assert.equal(loads, 0);
    const text = await metrics.render();
    assert.equal(loads, 1);
    assert.ok(text.includes('turnstore_http_requests_total{method="GET",route="/healthz",status="200"} 2\n'));
    assert.ok(text.includes('turnstore_http_requests_total{method="GET",route="/healthz",status="503"} 1\n'));
    assert.ok(text.includes('turnstore_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/healthz"} 1\n'));
    assert.ok(text.includes('turnstore_http_request_duration_seconds_bucket{le="2.5",method="GET",route="/healthz"} 2\n'));
    assert.ok(text.includes('turnstore_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz"} 3\n'));
    assert.ok(text.includes('turnstore_http_request_duration_seconds_sum{method="GET",route="/healthz"} 3.0024\n'), text);
    record('GET', 200, 0.001);
    await metrics.render();
    assert.equal(loads, 1, 'loaded once');
    assert.ok((await metrics.render()).includes('turnstore_http_requests_total{method="GET",route="/healthz",status="200"} 3\n'));
  });

  it(`without a scrape once ${PENDING_LIMIT} requests wait`, async () => {
    let loads = 0;
    const metrics = createMetrics(() => (loads++, promClient()), new MemoryStore());
    const record = metrics.recorderFor('/readyz');
    for (let i = 0; i < PENDING_LIMIT - 1; i++) record('GET', 200, 0.001);
    assert.equal(loads, 0);
    record('GET', 200, 0.001);
    assert.equal(loads, 1);
    record('GET', 200, 0.001);
    assert.ok(
      (await metrics.render()).includes(`turnstore_http_requests_total{method="GET",route="/readyz",status="200"} ${PENDING_LIMIT + 1}\n`),
    );
  });

  it('a prom-client that fails to load fails every scrape with its error, loaded once, and recording goes on', async () => {
    let loads = 0;
    const broken = new Error('prom-client is broken');
    const metrics = createMetrics(() => (loads++, Promise.reject(broken)), new MemoryStore());
    const record = metrics.recorderFor('/healthz');
    for (let i = 0; i < PENDING_LIMIT * 2; i++) record('GET', 200, 0.001);
    await assert.rejects(metrics.render(), broken);
    await assert.rejects(metrics.render(), broken);
    assert.equal(loads, 1);
    record('GET', 200, 0.001);
  });
});
