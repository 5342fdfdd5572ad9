/** What the stress run does, and its command-line options. */
import { parseArgs } from 'node:util';

/** The parameters of one stress run. */
export interface StressParameters {
  /** How long the load runs, in seconds. @default 120 */
  readonly durationSeconds: number;
  /** Concurrent clients, each one request at a time over a keep-alive connection. @default 32 */
  readonly clients: number;
  /** `--max-old-space-size` of the service, in MiB: a small device's heap. @default 96 */
  readonly heapLimitMiB: number;
  /** The store's byte budget. @default 16 MiB */
  readonly maxTotalBytes: number;
  /** UTF-8 bytes of one turn; long turns are sent at 60–100 % of it. @default 16384 */
  readonly maxTurnBytes: number;
  readonly maxTurns: number;
  /** The conversation cap when the service takes `--max-total-bytes` (the byte budget binds first). */
  readonly maxConversations: number;
  /** Seconds between memory samples. @default 1 */
  readonly sampleSeconds: number;
  /** Seconds between reads of /v1/stats for the byte check (more often than memory samples). @default 0.25 */
  readonly statsSeconds: number;
  /**
   * The first quarter of the run (or until the store holds 90 % of its budget, if later) is warm-up; the
   * heap check compares the last quarter with the quarter after warm-up.
   */
  readonly heapGrowthLimit: { readonly ratio: number; readonly bytes: number };
}

/** The defaults of `npm run stress`. */
export const STRESS_DEFAULTS: StressParameters = {
  durationSeconds: 120,
  clients: 32,
  heapLimitMiB: 96,
  maxTotalBytes: 16 * 2 ** 20,
  maxTurnBytes: 16_384,
  maxTurns: 8,
  maxConversations: 2_000,
  sampleSeconds: 1,
  statsSeconds: 0.25,
  heapGrowthLimit: { ratio: 0.25, bytes: 8 * 2 ** 20 },
};

/** What the command line asked for. */
export interface StressCommand {
  readonly parameters: StressParameters;
  /**
   * Where to write stress.json and stress.svg. Unset: bench/results/stress.json, docs/stress.svg and
   * the stress section of docs/benchmarks.md (the committed record); set: only the two files, there.
   */
  readonly outDir: string | undefined;
}

/** The usage text of the stress runner. */
export const STRESS_USAGE = `Usage: node dist/bench/stress/main.js [--minutes M | --seconds S] [--clients N] [--out DIR]

Starts \`turnstore serve\` with a ${STRESS_DEFAULTS.heapLimitMiB} MiB heap and a ${STRESS_DEFAULTS.maxTotalBytes / 2 ** 20} MiB byte budget, drives it with
concurrent clients over loopback (new conversations, long turns, reads, lists, deletes), samples its
memory every second, and fails if the service dies, answers a 5xx, grows its heap after warm-up or
holds more than its byte budget.

  --minutes M   how long to drive it (fractions allowed; default ${STRESS_DEFAULTS.durationSeconds / 60})
  --seconds S   the same in seconds
  --clients N   concurrent clients (default ${STRESS_DEFAULTS.clients})
  --max-total-mib M
                the service's byte budget in MiB (default ${STRESS_DEFAULTS.maxTotalBytes / 2 ** 20}); a smaller one fills sooner
  --out DIR     write stress.json and stress.svg to DIR only (default: bench/results/, docs/ and
                the stress section of docs/benchmarks.md)
`;

/** Thrown for a bad command line; its message is for the user. */
export class StressUsageError extends Error {}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !(number > 0))
    throw new StressUsageError(`--${name} must be a number > 0; got ${JSON.stringify(value)}`);
  return number;
}

/** Parses the stress runner's arguments; returns undefined for --help. */
export function parseStressArgs(args: readonly string[]): StressCommand | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        minutes: { type: 'string' },
        seconds: { type: 'string' },
        clients: { type: 'string' },
        'max-total-mib': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new StressUsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return undefined;
  if (values.minutes !== undefined && values.seconds !== undefined) throw new StressUsageError('give --minutes or --seconds, not both');
  const durationSeconds =
    values.minutes !== undefined
      ? positive('minutes', values.minutes) * 60
      : values.seconds !== undefined
        ? positive('seconds', values.seconds)
        : STRESS_DEFAULTS.durationSeconds;
  if (durationSeconds < 8)
    throw new StressUsageError('a run needs at least 8 seconds: a quarter is warm-up and each later quarter needs samples');
  const clients = values.clients === undefined ? STRESS_DEFAULTS.clients : positive('clients', values.clients);
  if (!Number.isInteger(clients)) throw new StressUsageError(`--clients must be an integer; got ${values.clients}`);
  const maxTotalBytes =
    values['max-total-mib'] === undefined
      ? STRESS_DEFAULTS.maxTotalBytes
      : Math.round(positive('max-total-mib', values['max-total-mib']) * 2 ** 20);
  return { parameters: { ...STRESS_DEFAULTS, durationSeconds, clients, maxTotalBytes }, outDir: values.out };
}
