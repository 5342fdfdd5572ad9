/** A smoke run of the bench:llm proxy-latency part, small, so it cannot rot between real runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchProxyLatency } from '../../bench/llm/proxy-latency.js';
import { milliseconds, proxyLatencyTable, targetsTable } from '../../bench/llm/report-section.js';

describe('bench:llm proxy-latency part', () => {
  it('measures the three paths (direct, chat proxy, Responses API) in one run, sends history through the proxy, and renders', async () => {
    const result = await benchProxyLatency({
      parameters: { sequentialRequests: 40, concurrentRequests: 40, concurrency: 4, conversations: 2, warmupRequests: 10 },
    });
    for (const run of [result.sequential, result.concurrent]) {
      assert.ok(run.direct.p50Ms > 0 && run.proxy.p50Ms > 0);
      assert.ok(run.direct.p99Ms >= run.direct.p50Ms);
      assert.ok(run.responses!.latency.p50Ms > 0);
      assert.equal(run.responses!.addedP50Ms, run.responses!.latency.p50Ms - run.direct.p50Ms);
    }
    // 2 conversations, maxTurns 8: the history is full, so a proxied request carries 8 turns + 2.
    assert.equal(result.messagesPerProxiedRequest, 10);
    assert.match(proxyLatencyTable(result), /one at a time/);
    assert.match(proxyLatencyTable(result), /one at a time, \/v1\/responses/);
    const targets = targetsTable({
      suite: 'llm',
      date: '',
      machine: { cpu: '', cores: 1, memoryBytes: 1, os: '', loadAverage: [0] },
      versions: { turnstore: '', gitCommit: null, srcModified: false, node: '' },
      contextWindow: { error: 'skipped' },
      proxyLatency: result,
    });
    assert.match(targets, /memory proxy adds ≤ 2 ms at p50 on loopback \(sequential\) \| .* \| (PASS|MISS)/);
  });

  it('writes durations in the unit that suits them, negative ones (noise: the proxy faster than direct) too', () => {
    assert.equal(milliseconds(0.595), '595 µs');
    assert.equal(milliseconds(1.5123), '1.51 ms');
    assert.equal(milliseconds(25.4), '25 ms');
    assert.equal(milliseconds(2430), '2.43 s');
    assert.equal(milliseconds(-110.668), '-111 ms');
    assert.equal(milliseconds(-0.2), '-200 µs');
  });
});
