/**
 * contextWindow against LangChain's trimMessages, on the same 1,000-turn conversation with the
 * same per-turn counter, in one process and one run.
 *
 * Contenders, for each budget and counter:
 * - *contextWindow*: `contextWindow(turns, { maxTokens, countTokens })` — counts the system turns,
 *   then walks back from the newest turn until one does not fit: each turn at most once.
 * - *trimMessages*: `trimMessages(messages, { maxTokens, tokenCounter, strategy: 'last',
 *   includeSystem: true, startOn: 'human' })` — the same selection rules (the conversation's one
 *   system turn is first). Its `tokenCounter` gets a list of messages and sums the same per-turn
 *   counter over it, as a LangChain user would write it. trimMessages calls it on ever shorter
 *   prefixes until one fits, so it counts O(n²) messages.
 * - *trimMessages, memoized counter*: the same, with each message's count cached (a WeakMap keyed
 *   by the message object) — what a careful LangChain user could add; it still sums O(n²) figures.
 *
 * Both sides take their input ready-made (turns for contextWindow, `BaseMessage`s for
 * trimMessages, as each framework's history hands them out); only the trimming is timed. Before
 * timing, every turn is counted once so gpt-tokenizer's merge cache is equally warm for all.
 */
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, trimMessages, type BaseMessage } from '@langchain/core/messages';
import { contextWindow, estimateTokens, type Role, type TokenCounter, type TurnLike } from '../../src/index.js';
import { gptTokenCounter } from '../../src/adapters/tokenizers/index.js';
import { median } from '../core/measure.js';
import { packageVersion } from '../package-version.js';
import { benchConversation } from './conversation.js';

/** Which per-turn counter a case uses. */
export type CounterName = 'exact' | 'estimate';
/** The contenders timed in every case. */
export type Contender = 'contextWindow' | 'trimMessages' | 'trimMessagesMemoized';
export const CONTENDERS: readonly Contender[] = ['contextWindow', 'trimMessages', 'trimMessagesMemoized'];

export interface ContextWindowBenchParameters {
  /** Turns in the conversation (one system turn, then user/assistant alternating). */
  readonly turns: number;
  /** `maxTokens` values measured. */
  readonly budgets: readonly number[];
  readonly counters: readonly CounterName[];
  /** Timed rounds per case; each round times every contender once, in rotating order. */
  readonly rounds: number;
  /** A round repeats a contender's call until this long has passed (at least one call). */
  readonly sampleMs: number;
  /** The exact counter's model (gpt-tokenizer). */
  readonly model: string;
}

export const CONTEXT_WINDOW_PARAMETERS: ContextWindowBenchParameters = {
  turns: 1000,
  budgets: [4000, 32_000],
  counters: ['exact', 'estimate'],
  rounds: 3,
  sampleMs: 300,
  model: 'gpt-4o',
};

/** One contender's timing in one case. */
export interface ContenderTiming {
  /** Median over rounds of the mean time per call, in milliseconds. */
  readonly medianMs: number;
  /** Each round's mean time per call. */
  readonly roundsMs: number[];
  /** Calls timed over all rounds. */
  readonly calls: number;
  /** Per-turn counts one call makes (for the memoized contender: lookups; real counts in parentheses in the report). */
  readonly countsPerCall: number;
}

export interface ContextWindowCase {
  readonly counter: CounterName;
  readonly maxTokens: number;
  /** Turns kept (system turn included), and the tokens they take by this counter. */
  readonly keptTurns: number;
  readonly keptTokens: number;
  /** Whether all three contenders chose exactly the same turns. */
  readonly sameSelection: boolean;
  readonly timings: Record<Contender, ContenderTiming>;
  /** Underlying counter calls one memoized trimMessages call makes (distinct messages counted). */
  readonly memoizedRealCounts: number;
  /** How many times faster contextWindow is: contender's median ÷ contextWindow's. */
  readonly speedup: { readonly trimMessages: number; readonly trimMessagesMemoized: number };
}

export interface ContextWindowBenchResult {
  readonly parameters: ContextWindowBenchParameters;
  /** The conversation: total tokens by each counter, and content length. */
  readonly conversation: { readonly tokens: Record<CounterName, number>; readonly meanContentChars: number };
  readonly versions: { readonly gptTokenizer: string; readonly langchainCore: string };
  readonly cases: ContextWindowCase[];
  /** The target: contextWindow faster than trimMessages with the exact counter, at every budget. */
  readonly target: { readonly label: string; readonly met: boolean };
}

const MESSAGE_OF_ROLE: Record<Role, (content: string) => BaseMessage> = {
  user: (content) => new HumanMessage(content),
  assistant: (content) => new AIMessage(content),
  system: (content) => new SystemMessage(content),
  tool: (content) => new ToolMessage({ content, tool_call_id: '' }),
};
const ROLE_OF_TYPE: Record<string, Role> = { human: 'user', ai: 'assistant', system: 'system', tool: 'tool' };

/** The per-turn counter applied to a LangChain message. */
function messageTurn(message: BaseMessage): TurnLike {
  return { role: ROLE_OF_TYPE[message.type]!, content: message.content as string };
}

interface Runner {
  run(): Promise<readonly string[]>;
  /** Per-turn counts of the last call (and, for the memoized one, real counts). */
  counts(): { counted: number; real: number };
}

function runners(
  turns: readonly TurnLike[],
  messages: readonly BaseMessage[],
  countTokens: TokenCounter,
  maxTokens: number,
): Record<Contender, Runner> {
  let counted = 0;
  let real = 0;
  const countingTurn: TokenCounter = (turn) => {
    counted++;
    return countTokens(turn);
  };
  const plainCounter = (list: BaseMessage[]) => {
    let sum = 0;
    for (const message of list) {
      counted++;
      sum += countTokens(messageTurn(message));
    }
    return sum;
  };
  const memoizedCounter = () => {
    // A fresh cache per call: trimMessages copies its input messages on every call, so a cache
    // keyed by message object only helps within one call anyway.
    const cache = new WeakMap<BaseMessage, number>();
    return (list: BaseMessage[]) => {
      let sum = 0;
      for (const message of list) {
        counted++;
        let tokens = cache.get(message);
        if (tokens === undefined) {
          real++;
          tokens = countTokens(messageTurn(message));
          cache.set(message, tokens);
        }
        sum += tokens;
      }
      return sum;
    };
  };
  const trim = (tokenCounter: (list: BaseMessage[]) => number) =>
    trimMessages([...messages], { maxTokens, tokenCounter, strategy: 'last', includeSystem: true, startOn: 'human' });
  const reset = () => {
    counted = 0;
    real = 0;
  };
  return {
    contextWindow: {
      run: async () => {
        reset();
        return contextWindow(turns, { maxTokens, countTokens: countingTurn }).map((turn) => turn.content);
      },
      counts: () => ({ counted, real: counted }),
    },
    trimMessages: {
      run: async () => {
        reset();
        return (await trim(plainCounter)).map((message) => message.content as string);
      },
      counts: () => ({ counted, real: counted }),
    },
    trimMessagesMemoized: {
      run: async () => {
        reset();
        return (await trim(memoizedCounter())).map((message) => message.content as string);
      },
      counts: () => ({ counted, real }),
    },
  };
}

/** Mean time per call over one sample: repeats until `sampleMs` passed (at least one call). */
async function sample(runner: Runner, sampleMs: number): Promise<{ msPerCall: number; calls: number }> {
  let calls = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    await runner.run();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < sampleMs);
  return { msPerCall: elapsed / calls, calls };
}

/**
 * Measures contextWindow against trimMessages (plain and memoized counter) for every budget and
 * counter of `parameters`; `progress` gets a line per step.
 */
export async function benchContextWindow(
  options: { parameters?: ContextWindowBenchParameters; progress?: (message: string) => void } = {},
): Promise<ContextWindowBenchResult> {
  const parameters = options.parameters ?? CONTEXT_WINDOW_PARAMETERS;
  const progress = options.progress ?? (() => {});
  const turns = benchConversation(parameters.turns);
  const messages = turns.map((turn) => MESSAGE_OF_ROLE[turn.role](turn.content));
  const exact = gptTokenCounter({ model: parameters.model });
  const counters: Record<CounterName, TokenCounter> = { exact, estimate: estimateTokens };

  // Every turn counted once up front: gpt-tokenizer's merge cache is then as warm for every contender.
  const tokens = { exact: 0, estimate: 0 };
  for (const turn of turns) {
    tokens.exact += exact(turn);
    tokens.estimate += estimateTokens(turn);
  }
  // Warm the code paths of every contender on a short prefix of the conversation, cheaply.
  for (const counter of parameters.counters) {
    const warm = runners(turns.slice(0, 200), messages.slice(0, 200), counters[counter], 2000);
    for (const contender of CONTENDERS) for (let i = 0; i < 3; i++) await warm[contender].run();
  }

  const cases: ContextWindowCase[] = [];
  let rotation = 0;
  for (const counter of parameters.counters) {
    for (const maxTokens of parameters.budgets) {
      const contenders = runners(turns, messages, counters[counter], maxTokens);
      // One untimed call each: the selection (checked equal) and the counts per call.
      const selections = new Map<Contender, string>();
      const counts = {} as Record<Contender, { counted: number; real: number }>;
      for (const contender of CONTENDERS) {
        selections.set(contender, JSON.stringify(await contenders[contender].run()));
        counts[contender] = contenders[contender].counts();
      }
      const sameSelection = new Set(selections.values()).size === 1;
      const keptTurns = contextWindow(turns, { maxTokens, countTokens: counters[counter] });

      const rounds: Record<Contender, number[]> = { contextWindow: [], trimMessages: [], trimMessagesMemoized: [] };
      const calls: Record<Contender, number> = { contextWindow: 0, trimMessages: 0, trimMessagesMemoized: 0 };
      for (let round = 0; round < parameters.rounds; round++) {
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + rotation) % CONTENDERS.length]!);
        rotation++;
        for (const contender of order) {
          const result = await sample(contenders[contender], parameters.sampleMs);
          rounds[contender].push(result.msPerCall);
          calls[contender] += result.calls;
        }
      }
      const timing = (contender: Contender): ContenderTiming => ({
        medianMs: median(rounds[contender]),
        roundsMs: rounds[contender],
        calls: calls[contender],
        countsPerCall: counts[contender].counted,
      });
      const timings = {
        contextWindow: timing('contextWindow'),
        trimMessages: timing('trimMessages'),
        trimMessagesMemoized: timing('trimMessagesMemoized'),
      };
      const result: ContextWindowCase = {
        counter,
        maxTokens,
        keptTurns: keptTurns.length,
        keptTokens: keptTurns.reduce((sum, turn) => sum + counters[counter](turn), 0),
        sameSelection,
        timings,
        memoizedRealCounts: counts.trimMessagesMemoized.real,
        speedup: {
          trimMessages: timings.trimMessages.medianMs / timings.contextWindow.medianMs,
          trimMessagesMemoized: timings.trimMessagesMemoized.medianMs / timings.contextWindow.medianMs,
        },
      };
      cases.push(result);
      progress(
        `${counter} counter, maxTokens ${maxTokens}: ${result.keptTurns} turns kept${sameSelection ? '' : ' (SELECTIONS DIFFER)'}; contextWindow ${timings.contextWindow.medianMs.toFixed(3)} ms, trimMessages ${timings.trimMessages.medianMs.toFixed(1)} ms (${result.speedup.trimMessages.toFixed(0)}×), memoized ${timings.trimMessagesMemoized.medianMs.toFixed(2)} ms (${result.speedup.trimMessagesMemoized.toFixed(1)}×)`,
      );
    }
  }

  const exactCases = cases.filter((c) => c.counter === 'exact');
  return {
    parameters,
    conversation: { tokens, meanContentChars: turns.reduce((sum, turn) => sum + turn.content.length, 0) / turns.length },
    versions: { gptTokenizer: packageVersion('gpt-tokenizer'), langchainCore: packageVersion('@langchain/core') },
    cases,
    target: {
      label: 'contextWindow faster than trimMessages with the exact counter, at every budget',
      met: exactCases.length > 0 && exactCases.every((c) => c.sameSelection && c.speedup.trimMessages > 1),
    },
  };
}
