/**
 * Runs one workload on one Node store and prints its result as one JSON line. The core benchmark
 * starts a fresh process for each, so no store inherits another's heap, garbage or JIT feedback.
 *
 * Usage: node --expose-gc bench/dist/bench/core/run-node.js <store | bare-strings> <workload>
 */
import { pathToFileURL } from 'node:url';
import { MemoryStore, type Role } from '../../src/index.js';
import type { BenchStore, StoreLimits } from './bench-store.js';
import { freshString, seededRandom } from './content.js';
import { heapUsedAfterGc, measureRate, median, type Rate } from './measure.js';
import { CORE_PARAMETERS as parameters, capOf, type Workload } from './parameters.js';
import { NODE_STORES, REFERENCE_STORES, nodeStore } from './stores.js';

/** Bytes of heap per stored item: the median over repeats, and each repeat. */
export interface HeapResult {
  readonly bytesPerTurn: number;
  readonly samples: number[];
  readonly turns: number;
}

const BARE_STRINGS = 'bare-strings';
/** The MemoryStore of an earlier commit, built by previous-build.ts; its entry point comes in TURNSTORE_PREVIOUS_ENTRY. */
const PREVIOUS = 'turnstore-previous';

async function previousMemoryStore(): Promise<(limits: StoreLimits) => BenchStore> {
  const entry = process.env.TURNSTORE_PREVIOUS_ENTRY;
  if (!entry) throw new Error(`${PREVIOUS} needs TURNSTORE_PREVIOUS_ENTRY, the built index.js of that commit`);
  const previous = (await import(pathToFileURL(entry).href)) as { MemoryStore: new (options: object) => BenchStore };
  return (limits) => new previous.MemoryStore({ ...limits, maxTotalBytes: 2 ** 40 });
}

/**
 * Heap per turn of conversations holding tool exchanges: an assistant turn with one tool call
 * (fresh arguments text as long as a plain turn's content) and the tool's result (fresh content),
 * alternately, each read once after filling, as the plain heap workload does.
 */
async function heapPerToolCallTurn(): Promise<HeapResult> {
  const { conversations, turnsEach, repeats } = parameters.heap;
  const fill = async (count: number): Promise<MemoryStore> => {
    const store = new MemoryStore({
      maxTurns: parameters.maxTurns,
      ttlSeconds: parameters.ttlSeconds,
      maxConversations: parameters.heap.conversations,
      maxTotalBytes: 2 ** 40,
    });
    const random = seededRandom(parameters.randomSeed);
    for (let c = 0; c < count; c++) {
      for (let turn = 0; turn < turnsEach; turn++) {
        const callId = `call_${c}_${turn >> 1}`;
        if (turn & 1) await store.append(`c-${c}`, 'tool', freshString(random, parameters.contentLength), { toolCallId: callId });
        else
          await store.append(`c-${c}`, 'assistant', '', {
            toolCalls: [{ id: callId, name: 'get_weather', arguments: freshString(random, parameters.contentLength) }],
          });
      }
    }
    for (let c = 0; c < count; c++) await store.get(`c-${c}`);
    return store;
  };
  await (await fill(200)).close();
  const turns = conversations * turnsEach;
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const before = heapUsedAfterGc();
    const store = await fill(conversations);
    samples.push((heapUsedAfterGc() - before) / turns);
    await store.close();
  }
  return { bytesPerTurn: median(samples), samples, turns };
}

/**
 * Heap a summary adds to a conversation: the heap fill of the plain workload, each conversation
 * then compacted through its oldest turn with a fresh summary as long as a turn's content, and given
 * one more turn so it holds as many turns as before; against the same fill without summaries, in
 * this process, alternately. `bytesPerTurn` is the difference per conversation: per summary.
 */
async function heapPerSummary(): Promise<HeapResult> {
  const { conversations, turnsEach, repeats } = parameters.heap;
  const make = nodeStore('turnstore')!;
  const fill = async (count: number, summaries: boolean): Promise<BenchStore> => {
    const store = make({ maxTurns: parameters.maxTurns, ttlSeconds: parameters.ttlSeconds, maxConversations: conversations });
    const memory = store as unknown as MemoryStore;
    const random = seededRandom(parameters.randomSeed);
    for (let c = 0; c < count; c++) {
      const id = `c-${c}`;
      for (let turn = 0; turn < turnsEach; turn++) await store.append(id, role(turn), freshString(random, parameters.contentLength));
      if (summaries) {
        const seen = await memory.get(id);
        await memory.compact(id, { summary: freshString(random, parameters.contentLength), through: seen[0]!, seen });
      }
      // The same turns either way: the one a summary replaced comes back as a newer one.
      await store.append(id, role(turnsEach), freshString(random, parameters.contentLength));
    }
    for (let c = 0; c < count; c++) await store.get(`c-${c}`);
    return store;
  };
  const heapOf = async (summaries: boolean): Promise<number> => {
    const before = heapUsedAfterGc();
    const store = await fill(conversations, summaries);
    const bytes = heapUsedAfterGc() - before;
    await store.close();
    return bytes;
  };
  await (await fill(200, true)).close();
  await (await fill(200, false)).close();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const plain = await heapOf(false);
    const withSummaries = await heapOf(true);
    samples.push((withSummaries - plain) / conversations);
  }
  return { bytesPerTurn: median(samples), samples, turns: conversations };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

const role = (index: number): Role => (index & 1 ? 'assistant' : 'user');
// Ids are short (`c-123`, `new-123`: under 13 characters), so V8 makes them flat strings, as ids
// parsed from a request are, and never cons-strings that a store would flatten on first use.

async function existingConversations(make: (limits: StoreLimits) => BenchStore, workload: 'append' | 'get'): Promise<Rate> {
  const { conversations, turnsEach } = parameters.existing;
  const store = make({ maxTurns: parameters.maxTurns, ttlSeconds: parameters.ttlSeconds, maxConversations: conversations });
  const ids = Array.from({ length: conversations }, (_, i) => `c-${i}`);
  const content = freshString(seededRandom(parameters.randomSeed), parameters.contentLength);
  for (let turn = 0; turn < turnsEach; turn++) for (const id of ids) await store.append(id, role(turn), content);
  const rate =
    workload === 'append'
      ? await measureRate((i) => store.append(ids[i % conversations]!, role(i), content), parameters.timing)
      : await measureRate((i) => store.get(ids[i % conversations]!), parameters.timing);
  await store.close();
  return rate;
}

async function createAtCap(make: (limits: StoreLimits) => BenchStore, cap: number): Promise<Rate> {
  const store = make({ maxTurns: parameters.maxTurns, ttlSeconds: parameters.ttlSeconds, maxConversations: cap });
  const content = freshString(seededRandom(parameters.randomSeed), parameters.contentLength);
  const fillStart = performance.now();
  for (let i = 0; i < cap; i++) await store.append(`c-${i}`, 'user', content);
  progress(`filled ${cap.toLocaleString('en-US')} conversations in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);
  const rate = await measureRate((i) => store.append(`new-${i}`, 'user', content), parameters.timing);
  await store.close();
  return rate;
}

/** Fills a store with conversations × turns of fresh content and reads each once; returns the store, still held. */
async function fillForHeap(make: (limits: StoreLimits) => BenchStore, conversations: number): Promise<BenchStore> {
  const { turnsEach } = parameters.heap;
  const store = make({ maxTurns: parameters.maxTurns, ttlSeconds: parameters.ttlSeconds, maxConversations: parameters.heap.conversations });
  const random = seededRandom(parameters.randomSeed);
  for (let c = 0; c < conversations; c++) {
    const id = `c-${c}`;
    for (let turn = 0; turn < turnsEach; turn++) await store.append(id, role(turn), freshString(random, parameters.contentLength));
  }
  // Then each conversation is read once, as a chatbot reads its history before every reply: a
  // store that kept something made on a read (say, frozen turn objects) is measured with it.
  for (let c = 0; c < conversations; c++) await store.get(`c-${c}`);
  return store;
}

/** Heap bytes per turn of one fill, measured in its own frame so nothing of it outlives the call. */
async function heapOfOneFill(make: (limits: StoreLimits) => BenchStore, conversations: number, turns: number): Promise<number> {
  const before = heapUsedAfterGc();
  const store = await fillForHeap(make, conversations);
  const bytes = heapUsedAfterGc() - before;
  await store.close();
  return bytes / turns;
}

async function heapPerTurn(make: (limits: StoreLimits) => BenchStore): Promise<HeapResult> {
  const { conversations, turnsEach, repeats } = parameters.heap;
  const turns = conversations * turnsEach;
  // A small fill first, so the code that fills is compiled before the heap is measured.
  await (await fillForHeap(make, 200)).close();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push(await heapOfOneFill(make, conversations, turns));
  return { bytesPerTurn: median(samples), samples, turns };
}

/** Heap bytes per string of `count` fresh strings in a pre-sized array, measured in its own frame. */
function heapOfBareStrings(count: number): number {
  const random = seededRandom(parameters.randomSeed);
  const before = heapUsedAfterGc();
  const strings = new Array<string>(count);
  for (let i = 0; i < count; i++) strings[i] = freshString(random, parameters.contentLength);
  const bytes = heapUsedAfterGc() - before;
  if (strings.length !== count) throw new Error('unreachable: keeps the strings alive while measuring');
  return bytes / count;
}

/** The same number of fresh strings in a pre-sized array: the floor a store is compared with. */
function heapPerBareString(): HeapResult {
  const { conversations, turnsEach, repeats } = parameters.heap;
  const count = conversations * turnsEach;
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push(heapOfBareStrings(count));
  return { bytesPerTurn: median(samples), samples, turns: count };
}

async function run(storeName: string, workload: Workload): Promise<Rate | HeapResult> {
  if (storeName === BARE_STRINGS) {
    if (workload !== 'heap') throw new Error(`${BARE_STRINGS} has only the heap workload`);
    return heapPerBareString();
  }
  if (workload === 'heap-tool-calls' || workload === 'heap-summary') {
    if (storeName !== 'turnstore') throw new Error(`${workload} runs on turnstore only`);
    return workload === 'heap-summary' ? heapPerSummary() : heapPerToolCallTurn();
  }
  const make = storeName === PREVIOUS ? await previousMemoryStore() : nodeStore(storeName);
  if (!make)
    throw new Error(
      `Unknown store ${JSON.stringify(storeName)}; known: ${[...Object.keys(NODE_STORES), ...Object.keys(REFERENCE_STORES), PREVIOUS, BARE_STRINGS].join(', ')}`,
    );
  if (workload === 'append' || workload === 'get') return existingConversations(make, workload);
  if (workload === 'heap') return heapPerTurn(make);
  const cap = capOf(workload);
  if (cap === undefined) throw new Error(`Unknown workload ${JSON.stringify(workload)}`);
  return createAtCap(make, cap);
}

const [storeName, workload] = process.argv.slice(2);
if (!storeName || !workload) {
  process.stderr.write('Usage: node --expose-gc bench/dist/bench/core/run-node.js <store> <workload>\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await run(storeName, workload as Workload))}\n`);
