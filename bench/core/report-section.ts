/** The core benchmark's section of docs/benchmarks.md, and its tables for the terminal. */
import { markdownTable } from '../markdown-table.js';
import { capOf, workloads, type Workload } from './parameters.js';
import { bytesPerTurnOf, isHeapFigure, rateOf, ratio, type Check, type CoreResults, type StoreName } from './results.js';

const count = (n: number) => n.toLocaleString('en-US');

function formatRate(opsPerSecond: number | undefined): string {
  if (opsPerSecond === undefined) return '—';
  if (opsPerSecond >= 1e6) return `${(opsPerSecond / 1e6).toPrecision(3)} M`;
  if (opsPerSecond >= 1e3) return `${(opsPerSecond / 1e3).toPrecision(3)} k`;
  return opsPerSecond.toPrecision(3);
}

function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  if (ratio >= 100) return `${count(Math.round(ratio))}×`;
  return `${ratio.toPrecision(3)}×`;
}

const formatBytes = (bytes: number | undefined) => (bytes === undefined ? '—' : `${bytes.toFixed(1)} B`);

function workloadLabel(workload: Workload): string {
  const cap = capOf(workload);
  if (cap !== undefined) return `create at a ${count(cap)} cap`;
  return workload === 'append' ? 'append to an existing conversation' : workload === 'get' ? 'get a conversation' : workload;
}

const BASELINES: readonly StoreName[] = ['seed', 'lru-cache', 'langchain'];

/** Rates per workload and store (ops/s), with turnstore's ratio to each baseline. */
export function ratesTable(run: CoreResults): string {
  const rows = workloads(run.parameters)
    .filter((workload) => workload !== 'heap')
    .map((workload) => {
      const ours = rateOf(run.results, 'turnstore', workload);
      const rates = (['turnstore', ...BASELINES] as const).map((store) => {
        const outcome = run.results[store]?.[workload];
        return outcome && 'error' in outcome ? 'failed' : formatRate(rateOf(run.results, store, workload));
      });
      const ratios = BASELINES.map((store) => formatRatio(ratio(ours, rateOf(run.results, store, workload))));
      return [workloadLabel(workload), ...rates, ...ratios];
    });
  return markdownTable(
    ['ops/s (median)', 'turnstore', 'seed', 'lru-cache', 'langchain', 'turnstore ÷ seed', '÷ lru-cache', '÷ langchain'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/**
 * The ceiling of the append and get ratios: an empty async method awaited the same way, and what
 * that is against the seed.
 */
export function ceilingLine(run: CoreResults): string {
  if (run.results['empty-async'] === undefined) return '';
  const parts = (['append', 'get'] as const).map((workload) => {
    const empty = rateOf(run.results, 'empty-async', workload);
    const seed = rateOf(run.results, 'seed', workload);
    return `${formatRate(empty)} ops/s as ${workload} (${formatRatio(ratio(empty, seed))} the seed)`;
  });
  return `Ceiling: an empty async method, called and awaited the same way, runs at ${parts.join(' and ')} on this machine; no async store can show more.`;
}

/** Heap bytes per stored turn of each store, against bare strings of the same language. */
export function heapTable(run: CoreResults): string {
  const bare = bytesPerTurnOf(run.results, 'bare-strings');
  const label = (store: StoreName) =>
    store === 'bare-strings'
      ? 'bare strings (pre-sized array)'
      : store === 'turnstore-previous'
        ? `turnstore at ${run.versions.previousCommit ?? 'the previous commit'}`
        : store;
  const node = (['turnstore', 'turnstore-previous', 'lru-cache', 'langchain', 'bare-strings'] as const)
    .filter((store) => run.results[store]?.heap !== undefined)
    .map((store) => {
      const bytes = bytesPerTurnOf(run.results, store);
      return [label(store), 'V8 heap', formatBytes(bytes), formatRatio(ratio(bytes, bare))];
    });
  const toolCalls = bytesPerTurnOf(run.results, 'turnstore', 'heap-tool-calls');
  if (toolCalls !== undefined)
    node.splice(1, 0, [
      'turnstore, tool exchanges (a call, then its result)',
      'V8 heap',
      formatBytes(toolCalls),
      formatRatio(ratio(toolCalls, bare)),
    ]);
  const summary = bytesPerTurnOf(run.results, 'turnstore', 'heap-summary');
  if (summary !== undefined && bare !== undefined)
    node.splice(toolCalls === undefined ? 1 : 2, 0, [
      `turnstore, a ${run.parameters.contentLength}-character summary per conversation (${formatBytes(summary - bare)} beyond a bare string)`,
      'V8 heap added, per summary',
      formatBytes(summary),
      formatRatio(ratio(summary, bare)),
    ]);
  const seed = run.results.seed?.heap;
  const seedRows = isHeapFigure(seed)
    ? [
        ['seed', 'Python (tracemalloc)', formatBytes(seed.bytesPerTurn), formatRatio(ratio(seed.bytesPerTurn, seed.bareStringBytes))],
        ['bare strings (Python list)', 'Python (tracemalloc)', formatBytes(seed.bareStringBytes), formatRatio(1)],
      ]
    : [['seed', 'Python (tracemalloc)', '—', '—']];
  return markdownTable(['store', 'measured as', 'bytes per turn', '÷ bare strings'], [...node, ...seedRows], ['l', 'l', 'r', 'r']);
}

function formatTarget(check: Check): string {
  const sign = check.comparison === '>=' ? '≥' : '≤';
  const target = check.target === 1 / 3 ? '⅓' : String(check.target);
  return `${sign} ${target}×${check.aim === undefined ? '' : ` (aim ${check.aim}×)`}`;
}

/** The targets and how this run fared. */
/** Plain turns today against the MemoryStore of the commit before turns could carry extras. */
export function previousTable(run: CoreResults): string {
  if (run.results['turnstore-previous'] === undefined) return '';
  const rates = (['append', 'get'] as const).map((workload) => {
    const now = rateOf(run.results, 'turnstore', workload);
    const before = rateOf(run.results, 'turnstore-previous', workload);
    return [`${workload} (ops/s)`, formatRate(now), formatRate(before), formatRatio(ratio(now, before))];
  });
  const now = bytesPerTurnOf(run.results, 'turnstore');
  const before = bytesPerTurnOf(run.results, 'turnstore-previous');
  return markdownTable(
    ['plain text turns', 'turnstore', `turnstore at ${run.versions.previousCommit ?? 'previous'}`, 'today ÷ previous'],
    [...rates, ['heap per turn', formatBytes(now), formatBytes(before), formatRatio(ratio(now, before))]],
    ['l', 'r', 'r', 'r'],
  );
}

export function checksTable(run: CoreResults): string {
  const rows = run.checks.map((check) => [
    check.label,
    formatRatio(check.value),
    formatTarget(check),
    check.pass === null ? 'n/a' : check.pass ? 'PASS' : 'MISS',
  ]);
  return markdownTable(['check', 'measured', 'target', 'result'], rows, ['l', 'r', 'l', 'l']);
}

/** Where and with what the figures were measured, in one line each. */
export function machineLines(run: CoreResults): string[] {
  const { machine, runtimes, versions } = run;
  const commit = versions.gitCommit
    ? ` (commit ${versions.gitCommit}${versions.srcModified ? ', with uncommitted changes in src/' : ''})`
    : '';
  return [
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${machine.os}`,
    `- Node ${runtimes.node}; Python ${runtimes.python ?? 'not run'}`,
    `- turnstore ${versions.turnstore}${commit}; lru-cache ${versions.lruCache}; @langchain/core ${versions.langchainCore}`,
    `- Date: ${run.date}`,
  ];
}

/** The whole section, as markdown (without the markers around it). */
export function renderCoreSection(run: CoreResults): string {
  const p = run.parameters;
  const { existing, heap, timing } = p;
  return `## Core: MemoryStore against the seed and common baselines

All figures come from one run of \`npm run bench:core\` on one machine. Absolute rates depend on
the machine; read the **ratios**, which compare stores measured in the same run.

${machineLines(run).join('\n')}
${run.seedUnavailable ? `- The seed was not measured: ${run.seedUnavailable}\n` : ''}
### Targets

${checksTable(run)}

### Rates

${ratesTable(run)}

${ceilingLine(run)}

### Plain turns against the previous commit

Turns can carry tool calls, attachments and metadata since the commit after ${run.versions.previousCommit ?? 'the previous one'}; that
commit's MemoryStore is built from git and measured in the same run, each workload in a fresh process
right after today's, so a plain text turn's cost is compared on the same machine load.

${previousTable(run)}

### Heap per stored turn

${heapTable(run)}

### How it was measured

- **Stores.** *turnstore*: \`new MemoryStore({ maxTurns, ttlSeconds, maxConversations, maxTotalBytes: 2 ** 40 })\`
  (the byte budget out of reach: the baselines have none). *seed*: \`memory.py\` imported from the
  seed folder, driven by \`bench/core/seed_bench.py\` in one asyncio loop, timed with
  \`time.perf_counter\`. *lru-cache* (\`bench/core/baselines/lru-cache-store.ts\`): an
  \`LRUCache<string, Turn[]>\` with \`max: maxConversations\`, \`ttl: ttlSeconds * 1000\`,
  \`updateAgeOnGet: true\`; append gets the array (or a new one), pushes the turn, \`shift()\`s past
  \`maxTurns\` and \`set()\`s it back; get returns a copy of the array. *langchain*
  (\`bench/core/baselines/langchain-store.ts\`): one \`InMemoryChatMessageHistory\` per conversation
  in a \`Map\`; append adds a \`HumanMessage\`/\`AIMessage\`, then past \`maxTurns\` clears the history
  and re-adds the last \`maxTurns\` messages; a touched conversation is deleted and re-inserted in
  the Map, and past \`maxConversations\` the first key (\`keys().next()\`) is evicted; no TTL; get
  returns LangChain's own array. Every store is called through async methods and awaited, one call
  at a time. lru-cache keeps a clock reading for \`ttlResolution\` (1 ms) until a timer clears it;
  back to back, as here, timers do not run, so it reads the clock about once per sample where the
  other stores read it on every call — an edge a server, handling requests on separate
  event-loop turns, gives it less often.
- **Limits.** maxTurns ${p.maxTurns}, ttlSeconds ${p.ttlSeconds}; content is ${p.contentLength} ASCII characters.
- **append / get.** ${count(existing.conversations)} conversations pre-filled with ${existing.turnsEach} turns each
  (maxConversations ${count(existing.conversations)}), then appends (alternating user/assistant) or gets
  round-robin over them.
- **create at a cap.** The store is filled to the cap (${p.caps.map(count).join(', ')}) with one turn per
  conversation; each timed op appends to a new id, so each evicts the least recently used conversation.
- **Timing.** Each Node store and workload runs in a fresh \`node --expose-gc\` process. After a
  ${timing.warmupMs} ms warm-up, ${timing.samples} samples of ${timing.sampleMs} ms or ${count(timing.sampleMaxOps)} ops (whichever
  comes first; a slow op is never cut short); the median sample rate is reported.
- **Heap.** ${count(heap.conversations)} conversations × ${heap.turnsEach} turns (maxConversations ${count(heap.conversations)}),
  each turn's content a fresh, flat ${p.contentLength}-character string, then each conversation read once
  (as a chatbot reads its history before each reply, so what a store keeps from a read counts);
  \`heapUsed\` after \`gc()\` before and after filling and reading, divided by the ${count(heap.conversations * heap.turnsEach)} turns; median of ${heap.repeats} repeats. *bare strings*: as many
  equally fresh strings in a pre-sized array. The seed's figure is Python object bytes from
  \`tracemalloc\`, against a Python list of as many fresh strings.
- **A summary.** The same heap fill, alternately without and with a summary: each conversation
  compacted through its oldest turn with a fresh ${p.contentLength}-character summary, then given one more turn so
  it holds as many turns as before; the difference per conversation is the heap one summary adds
  (its text, as a bare string would hold it, plus a bounded constant, shown beyond a bare string).
`;
}
