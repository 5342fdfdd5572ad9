/**
 * A smoke run of the bench:llm context-window part on a small conversation: the contenders agree,
 * counts per call are as the algorithms say, and the report renders. Keeps the benchmark from
 * rotting between real runs (which take minutes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchContextWindow } from '../../bench/llm/context-window.js';
import { renderLlmSection } from '../../bench/llm/report-section.js';

describe('bench:llm context-window part', () => {
  it('runs on a small conversation; every contender picks the same turns; the section renders', async () => {
    const result = await benchContextWindow({
      parameters: { turns: 120, budgets: [600], counters: ['exact', 'estimate'], rounds: 1, sampleMs: 1, model: 'gpt-4o' },
    });
    assert.equal(result.cases.length, 2);
    for (const c of result.cases) {
      assert.ok(c.sameSelection, `${c.counter}: selections differ`);
      assert.ok(c.keptTurns > 1 && c.keptTokens <= 600);
      // contextWindow counts the system turn, the kept turns and the first that did not fit — plus,
      // in this alternating conversation, at most one assistant turn the start rule then drops.
      const counts = c.timings.contextWindow.countsPerCall;
      assert.ok(counts === c.keptTurns + 1 || counts === c.keptTurns + 2, `${counts} counts for ${c.keptTurns} kept turns`);
      assert.ok(c.timings.trimMessages.countsPerCall > 10 * c.timings.contextWindow.countsPerCall);
      assert.equal(c.memoizedRealCounts, 120);
    }
    const section = renderLlmSection({
      suite: 'llm',
      date: '2026-01-01T00:00:00.000Z',
      machine: { cpu: 'test', cores: 1, memoryBytes: 2 ** 30, os: 'test', loadAverage: [0, 0, 0] },
      versions: { turnstore: '0.0.0', gitCommit: null, srcModified: false, node: process.version },
      contextWindow: result,
    });
    assert.match(section, /contextWindow faster than trimMessages, exact counter, maxTokens 600 \| .* \| PASS/);
  });
});
