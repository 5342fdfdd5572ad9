/** What the service benchmark measures, and with how much, in one place. */

export interface ServiceParameters {
  /** Conversations filled before measuring, each with `turnsEach` turns of `contentLength` characters. */
  readonly conversations: number;
  readonly turnsEach: number;
  /** ASCII characters of each turn's content, so also its UTF-8 bytes. */
  readonly contentLength: number;
  /** autocannon: concurrent connections, and seconds of each timed run (after an untimed warm-up of `warmupSeconds`). */
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Timed runs per workload and server, alternating between the servers; the median is reported. */
  readonly rounds: number;
  /** One connection, requests one after another, timed one by one: for latencies finer than autocannon's 1 ms. */
  readonly sequentialRequests: number;
  /**
   * Seconds to wait before reading the RSS of an idle process. V8 gives memory back to the system
   * only after a few seconds without allocation; a service idle on a Pi is idle for far longer.
   */
  readonly settleSeconds: number;
  /**
   * Idle memory is read from this many fresh service processes started side by side, the median
   * reported: where V8 settles varies by a few MiB from one process to the next.
   */
  readonly idleProcesses: number;
  readonly randomSeed: number;
}

export const SERVICE_PARAMETERS: ServiceParameters = {
  conversations: 500,
  turnsEach: 8,
  contentLength: 2048,
  connections: 10,
  durationSeconds: 5,
  warmupSeconds: 1,
  rounds: 3,
  sequentialRequests: 5000,
  settleSeconds: 15,
  idleProcesses: 3,
  randomSeed: 20261123,
};

/** The targets: the service against the bare route, and its idle memory. */
export const SERVICE_TARGETS = {
  /** Requests per second of the service ÷ of the bare route, at least. */
  throughputRatio: 0.6,
  /** Resident memory of the idle service, at most. */
  idleRssBytes: 64 * 1024 * 1024,
};

/** The two workloads: reading a full conversation, and appending one turn to one. */
export type Workload = 'get' | 'append';
