/** The shape of bench/results/llm.json. */
import type { Measured } from '../backends/results.js';
import type { ContextWindowBenchResult } from './context-window.js';
import type { ProxyLatencyResult } from './proxy-latency.js';

export interface LlmResults {
  readonly suite: 'llm';
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryBytes: number;
    readonly os: string;
    readonly loadAverage: readonly number[];
  };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    readonly srcModified: boolean;
    readonly node: string;
  };
  /** contextWindow against LangChain's trimMessages (bench/llm/context-window.ts). */
  readonly contextWindow: Measured<ContextWindowBenchResult>;
  /**
   * The latency the memory proxy (`turnstore serve --upstream`) adds over calling the upstream
   * directly (bench/llm/proxy-latency.ts). Optional: results written before it existed lack it.
   */
  readonly proxyLatency?: Measured<ProxyLatencyResult>;
}
