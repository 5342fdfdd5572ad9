/** The shape of bench/results/service.json, and the checks derived from its figures. */
import { SERVICE_TARGETS, type ServiceParameters, type Workload } from './parameters.js';

/** One autocannon run. Latencies in milliseconds (autocannon's resolution is 1 ms). */
export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Bytes received per answered request (body and headers), to show the two servers answer alike. */
  readonly bytesPerResponse: number;
  /**
   * CPU time the server process used per answered request, in microseconds (Linux only). Less
   * sensitive than requests/s to the load generator sharing the machine: on a machine where the
   * client cannot saturate the server, this is what tells the servers apart.
   */
  readonly serverCpuMicrosPerRequest?: number;
}

/** Requests sent one by one on one connection, latencies in microseconds (client included). */
export interface SequentialRun {
  readonly p50Us: number;
  readonly p99Us: number;
  /** Body bytes of one answer. */
  readonly bodyBytes: number;
}

/** The figures of one workload on both servers. */
export interface WorkloadFigures {
  readonly service: LoadRun[];
  readonly bare: LoadRun[];
  readonly sequential: { readonly service: SequentialRun; readonly bare: SequentialRun };
}

/** Resident memory of the service process, in bytes. */
export interface MemoryFigures {
  /** One second after the start line, before any request (median of the idle processes). */
  readonly idleJustStarted: number;
  /** After `settleSeconds` more without a request (median of the idle processes). */
  readonly idleSettled: number;
  /** A `node` process doing nothing, at the same moment as `idleSettled`: Node's own share. */
  readonly emptyNode: number;
  /** Each idle process's figures, `[justStarted, settled]`. */
  readonly idleEach: Array<[number, number]>;
  /** Right after filling the conversations. */
  readonly holdingJustFilled: number;
  /** After `settleSeconds` more without a request. */
  readonly holdingSettled: number;
}

/** One target and how the run fared. */
export interface ServiceCheck {
  readonly label: string;
  readonly value: number;
  readonly comparison: '>=' | '<=';
  readonly target: number;
  readonly unit: 'ratio' | 'bytes';
  readonly pass: boolean;
}

export interface ServiceResults {
  readonly suite: 'service';
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryBytes: number; readonly os: string };
  readonly runtimes: { readonly node: string };
  readonly versions: {
    readonly turnstore: string;
    readonly gitCommit: string | null;
    readonly srcModified: boolean;
    readonly fastify: string;
    readonly promClient: string;
    readonly autocannon: string;
  };
  readonly parameters: ServiceParameters;
  readonly workloads: Record<Workload, WorkloadFigures>;
  readonly memory: MemoryFigures;
  readonly checks: ServiceCheck[];
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median requests per second of the service ÷ of the bare route. */
export function throughputRatio(figures: WorkloadFigures): number {
  return median(figures.service.map((run) => run.requestsPerSecond)) / median(figures.bare.map((run) => run.requestsPerSecond));
}

/** Median server CPU per request of the bare route ÷ of the service (as a throughput ratio: higher is better), if measured. */
export function cpuRatio(figures: WorkloadFigures): number | undefined {
  const ours = figures.service.map((run) => run.serverCpuMicrosPerRequest);
  const theirs = figures.bare.map((run) => run.serverCpuMicrosPerRequest);
  if (ours.some((value) => value === undefined) || theirs.some((value) => value === undefined)) return undefined;
  return median(theirs as number[]) / median(ours as number[]);
}

/** The targets, evaluated on this run's figures. */
export function serviceChecks(workloads: Record<Workload, WorkloadFigures>, memory: MemoryFigures): ServiceCheck[] {
  const ratioCheck = (workload: Workload, label: string): ServiceCheck => {
    const value = throughputRatio(workloads[workload]);
    return {
      label,
      value,
      comparison: '>=',
      target: SERVICE_TARGETS.throughputRatio,
      unit: 'ratio',
      pass: value >= SERVICE_TARGETS.throughputRatio,
    };
  };
  return [
    ratioCheck('get', 'get: service ÷ bare route, requests/s'),
    ratioCheck('append', 'append: service ÷ bare route, requests/s'),
    {
      label: 'idle service RSS (settled)',
      value: memory.idleSettled,
      comparison: '<=',
      target: SERVICE_TARGETS.idleRssBytes,
      unit: 'bytes',
      pass: memory.idleSettled <= SERVICE_TARGETS.idleRssBytes,
    },
  ];
}
