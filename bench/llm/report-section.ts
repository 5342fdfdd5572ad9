/** The LLM benchmark's section of docs/benchmarks.md, and its tables for the terminal. */
import { isMeasured } from '../backends/results.js';
import { markdownTable } from '../markdown-table.js';
import type { ContextWindowBenchResult, ContextWindowCase } from './context-window.js';
import type { LatencySummary, ProxyLatencyResult } from './proxy-latency.js';
import type { LlmResults } from './results.js';

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');

/** A duration in the unit that suits it; a negative one (an added latency lost in the noise) keeps its sign. */
export function milliseconds(ms: number): string {
  if (ms < 0) return `-${milliseconds(-ms)}`;
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

function times(ratio: number): string {
  return ratio >= 100 ? `${count(ratio)}×` : `${ratio.toPrecision(3)}×`;
}

/** Where and with what the figures were measured, one line each. */
export function machineLines(run: LlmResults): string[] {
  const { machine, versions } = run;
  const commit = versions.gitCommit
    ? ` (commit ${versions.gitCommit}${versions.srcModified ? ', with uncommitted changes in src/' : ''})`
    : '';
  const contextWindow = isMeasured(run.contextWindow) ? run.contextWindow.versions : undefined;
  return [
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${machine.os}; load average ${machine.loadAverage.map((load) => load.toFixed(2)).join(', ')} at the start`,
    `- Node ${versions.node}; turnstore ${versions.turnstore}${commit}`,
    ...(contextWindow ? [`- gpt-tokenizer ${contextWindow.gptTokenizer}; @langchain/core ${contextWindow.langchainCore}`] : []),
    `- Date: ${run.date}`,
  ];
}

/** The issue's targets and how this run fared. */
export function targetsTable(run: LlmResults): string {
  const rows: string[][] = [];
  if (isMeasured(run.contextWindow)) {
    for (const c of run.contextWindow.cases.filter((c) => c.counter === 'exact')) {
      rows.push([
        `contextWindow faster than trimMessages, exact counter, maxTokens ${count(c.maxTokens)}`,
        times(c.speedup.trimMessages),
        '> 1×',
        verdict(c.sameSelection && c.speedup.trimMessages > 1),
      ]);
    }
  } else {
    rows.push(['contextWindow faster than trimMessages', `not measured: ${run.contextWindow.error}`, '> 1×', '—']);
  }
  const proxy = run.proxyLatency;
  if (proxy === undefined) rows.push(['memory proxy adds ≤ 2 ms at p50 on loopback', 'not measured yet', '≤ 2 ms', '—']);
  else if (!isMeasured(proxy)) rows.push(['memory proxy adds ≤ 2 ms at p50 on loopback', `not measured: ${proxy.error}`, '≤ 2 ms', '—']);
  else
    rows.push([
      'memory proxy adds ≤ 2 ms at p50 on loopback (sequential)',
      milliseconds(proxy.sequential.addedP50Ms),
      '≤ 2 ms',
      verdict(proxy.sequential.addedP50Ms <= 2),
    ]);
  return markdownTable(['target', 'measured', 'target', 'result'], rows, ['l', 'r', 'l', 'l']);
}

function counterLabel(c: ContextWindowCase, result: ContextWindowBenchResult): string {
  return c.counter === 'exact' ? `exact (gpt-tokenizer, ${result.parameters.model})` : 'estimate (bytes ÷ 4 + 4)';
}

/** Per budget and counter: what was kept, each contender's time per call, counts per call, and the ratios. */
export function contextWindowTable(result: ContextWindowBenchResult): string {
  const rows = result.cases.map((c) => [
    counterLabel(c, result),
    count(c.maxTokens),
    `${count(c.keptTurns)} (${count(c.keptTokens)} tokens)${c.sameSelection ? '' : ' DIFFER'}`,
    milliseconds(c.timings.contextWindow.medianMs),
    milliseconds(c.timings.trimMessages.medianMs),
    milliseconds(c.timings.trimMessagesMemoized.medianMs),
    `${count(c.timings.contextWindow.countsPerCall)} / ${count(c.timings.trimMessages.countsPerCall)} / ${count(c.memoizedRealCounts)} + ${count(c.timings.trimMessagesMemoized.countsPerCall)} lookups`,
    times(c.speedup.trimMessages),
    times(c.speedup.trimMessagesMemoized),
  ]);
  return markdownTable(
    [
      'counter',
      'maxTokens',
      'turns kept',
      'contextWindow',
      'trimMessages',
      'trimMessages, memoized',
      'counts per call (cW / tM / memoized)',
      'tM ÷ cW',
      'memoized ÷ cW',
    ],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
  );
}

function contextWindowPart(run: LlmResults): string {
  if (!isMeasured(run.contextWindow)) return `### contextWindow against trimMessages\n\nNot measured: ${run.contextWindow.error}\n`;
  const result = run.contextWindow;
  const p = result.parameters;
  return `### contextWindow against trimMessages

${contextWindowTable(result)}

Times are per call (median of ${p.rounds} rounds). *cW*: contextWindow; *tM*: trimMessages. All three chose
${result.cases.every((c) => c.sameSelection) ? 'exactly the same turns in every case' : '**different turns in some case (DIFFER)**'}.

- **Conversation.** ${count(p.turns)} turns (\`bench/llm/conversation.ts\`, fixed seed): one system prompt, then
  user turns of 5–40 words and assistant turns of 20–150 words, alternating; ${result.conversation.meanContentChars.toFixed(0)} characters a
  turn on average, ${count(result.conversation.tokens.exact)} tokens in all by the exact counter (${count(result.conversation.tokens.estimate)} by the estimate).
- **Contenders.** *contextWindow*: \`contextWindow(turns, { maxTokens, countTokens })\` over the turns a store hands
  out. *trimMessages* (@langchain/core): \`trimMessages(messages, { maxTokens, tokenCounter, strategy: 'last',
  includeSystem: true, startOn: 'human' })\` over the same conversation as \`BaseMessage\`s — the same rules
  (keep the system prompt, the newest turns that fit, open on a human turn) — with a \`tokenCounter\` that sums
  the same per-turn counter over the list it is given. trimMessages calls it on ever shorter lists until one
  fits, so it counts O(n²) messages; *memoized* caches each message's count for the call, which cuts the
  tokenizer work to one count per message but still sums O(n²) cached figures.
- **Counters.** *exact*: \`gptTokenCounter({ model: '${p.model}' })\` from \`turnstore/tokenizers\` (role + content + 3
  per turn). *estimate*: turnstore's default, \`estimateTokens\`. Every turn is counted once before timing, so
  gpt-tokenizer's merge cache is equally warm for every contender; each contender is also warmed up on a
  200-turn prefix.
- **Timing.** In one process; each round times every contender in rotating order, repeating its call for at
  least ${p.sampleMs} ms (a call longer than that is timed once). The input is built before timing; only the trimming is
  timed. (\`bench/llm/context-window.ts\`.)
`;
}

/** Direct and proxied latencies, sequential and concurrent: the chat proxy's rows, then the Responses API's when measured. */
export function proxyLatencyTable(result: ProxyLatencyResult): string {
  const rows: string[][] = [];
  for (const route of ['chat', 'responses'] as const)
    for (const run of ['sequential', 'concurrent'] as const) {
      const c = result[run];
      const label = run === 'sequential' ? 'one at a time' : `${result.parameters.concurrency} at a time`;
      if (route === 'chat') {
        rows.push([label, ...figures(c.direct, c.proxy, c.addedP50Ms, c.addedP99Ms)]);
      } else if (c.responses !== undefined) {
        const r = c.responses;
        rows.push([`${label}, /v1/responses`, ...figures(c.direct, r.latency, r.addedP50Ms, r.addedP99Ms)]);
      }
    }
  return markdownTable(['requests', 'direct p50', 'proxy p50', 'added p50', 'direct p99', 'proxy p99', 'added p99'], rows, [
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
  ]);
}

function figures(direct: LatencySummary, through: LatencySummary, addedP50Ms: number, addedP99Ms: number): string[] {
  return [
    milliseconds(direct.p50Ms),
    milliseconds(through.p50Ms),
    milliseconds(addedP50Ms),
    milliseconds(direct.p99Ms),
    milliseconds(through.p99Ms),
    milliseconds(addedP99Ms),
  ];
}

function proxyLatencyPart(run: LlmResults): string {
  if (run.proxyLatency === undefined) return '';
  if (!isMeasured(run.proxyLatency)) return `### The memory proxy's added latency\n\nNot measured: ${run.proxyLatency.error}\n`;
  const result = run.proxyLatency;
  const p = result.parameters;
  return `### The memory proxy's added latency

${proxyLatencyTable(result)}

- **What.** \`POST /v1/chat/completions\` sent to the fake OpenAI-compatible upstream of the tests
  (\`test/proxy/support/fake-upstream.ts\`, which answers a JSON completion at once) directly, and through
  \`createServer({ proxy })\` over a MemoryStore (maxTurns ${p.maxTurns}). Through the proxy each request also reads the
  conversation's history, runs \`contextWindow\`, makes one more loopback hop and stores the exchange; the
  upstream got up to ${result.messagesPerProxiedRequest} messages per proxied request (history included) against 2 direct.${
    result.sequential.responses === undefined
      ? ''
      : `
  The \`/v1/responses\` rows send the same question as a Responses API request (\`instructions\`, \`input\`, \`conversation\`)
  through the same proxy, in the same run: it also reads the request's items, builds the Response object, and stores
  the response's record with its turns.`
  }
- **How.** A ${p.questionChars}-character question with a system prompt, over ${p.conversations} conversations in turn; one
  keep-alive client (node:http). *One at a time*: ${count(p.sequentialRequests)} requests each way, direct and proxied
  interleaved, after ${count(p.warmupRequests)} warm-up requests each. *${p.concurrency} at a time*: ${count(p.concurrentRequests)} requests each way, in
  two rounds ordered ${result.sequential.responses === undefined ? 'direct, proxy, proxy, direct' : 'direct, chat proxy, Responses, Responses, chat proxy, direct'}.
- **Caveat.** Client, proxy and upstream share one process and one event loop, so under concurrency the
  proxy's CPU time queues every request behind it, direct ones included: the concurrent rows measure
  what its work costs a busy process, not a network hop. A real upstream takes hundreds of
  milliseconds to seconds per completion; these figures are what turnstore adds to that.
`;
}

/** The whole section, as markdown (without the markers around it). */
export function renderLlmSection(run: LlmResults): string {
  return `## LLM: context windows and the memory proxy

All figures come from one run of \`npm run bench:llm\` on one machine, which other work may have kept
busy (see the load average): read the **ratios**, which compare contenders measured in the same run.

${machineLines(run).join('\n')}

### Targets

${targetsTable(run)}

${contextWindowPart(run)}
${proxyLatencyPart(run)}`;
}
