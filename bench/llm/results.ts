/** The shape of bench/results/llm.json. */
import type { Measured } from '../backends/results.js';
import type { ContextWindowBenchResult } from './context-window.js';

export interface LlmResults {
  readonly suite: 'llm';
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryBytes: number; readonly os: string; readonly loadAverage: readonly number[] };
  readonly versions: { readonly turnstore: string; readonly gitCommit: string | null; readonly srcModified: boolean; readonly node: string };
  /** contextWindow against LangChain's trimMessages (bench/llm/context-window.ts). */
  readonly contextWindow: Measured<ContextWindowBenchResult>;
  // Hook for the next part: the latency the memory proxy (`turnstore serve --upstream`) adds over
  // calling the upstream directly. Add its field here with its result type, e.g.
  //   readonly proxyLatency?: Measured<ProxyLatencyResult>;
  // register it in PARTS (bench/llm/main.ts) and render it in bench/llm/report-section.ts.
}
