/**
 * The Prometheus metrics of the service, in a registry of its own (never prom-client's global one,
 * so an application embedding the service keeps its metrics apart and two servers in one process
 * do not collide).
 *
 * prom-client (with the @opentelemetry/api it loads, about 3 MiB resident) is loaded by the first
 * scrape, not when the server starts: an idle service never needs it. Until then the requests
 * answered are kept as they come, and replayed into the metrics, in order, when they are built;
 * after {@link PENDING_LIMIT} of them the metrics are built without waiting for a scrape, so a busy
 * service that nobody scrapes holds a bounded backlog. Either way, what a scrape shows is what
 * counting into prom-client from the start would have shown.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { importPeer } from '../core/import-peer.js';
import type { ConversationStore, EvictionReason } from '../core/types.js';

/** What the service needs from its metrics. */
export interface ServiceMetrics {
  /**
   * The recorder of one route: counts an answered request and its latency. `route` is the route's
   * pattern (or `unmatched`), never the raw URL, so label values stay few whatever clients send.
   * Made once per route, so the labels of each method and status are built once, not per request.
   */
  recorderFor(route: string): (method: string, status: number, seconds: number) => void;
  /** The exposition text, with the store's figures read just now. */
  render(): Promise<string>;
  /** The Content-Type of {@link ServiceMetrics.render}'s text. */
  readonly contentType: string;
}

/** The Content-Type of /metrics: the Prometheus text format, prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`, a registry's default. */
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Requests answered before the first scrape that are kept to be replayed; past it, prom-client is loaded. */
export const PENDING_LIMIT = 4096;

/**
 * Rejects with `TURNSTORE_MISSING_PEER` when prom-client is not installed, without loading it:
 * a server with metrics on says so when it is created, not at its first scrape.
 */
export const checkPromClientInstalled = () =>
  importPeer('prom-client', 'The /metrics endpoint of the turnstore HTTP service', async () => {
    createRequire(import.meta.url).resolve('prom-client');
  });

type Recorder = (method: string, status: number, seconds: number) => void;

/** The metrics once prom-client is loaded. */
interface BuiltMetrics {
  recorderFor(route: string): Recorder;
  render(): Promise<string>;
}

// Chosen for a service that answers in well under a millisecond in memory and in a few
// milliseconds on SQLite or Redis, on hardware as small as a Raspberry Pi.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const REASONS: readonly EvictionReason[] = ['ttl', 'lru', 'bytes'];

/**
 * Creates the metrics of one server over `store`; `loadPromClient` is called once, by the first
 * scrape or when {@link PENDING_LIMIT} requests wait to be counted.
 */
export function createMetrics(loadPromClient: () => Promise<typeof PromClient>, store: ConversationStore): ServiceMetrics {
  let built: BuiltMetrics | undefined;
  let building: Promise<BuiltMetrics> | undefined;
  // Once prom-client failed to load, every scrape reports that failure and nothing is kept any more.
  let failed = false;
  // Requests answered before the metrics are built: route, method, status, seconds, flat.
  const pending: Array<string | number> = [];
  const build = () =>
    (building ??= loadPromClient()
      .then((prom) => {
        const metrics = buildMetrics(prom, store);
        for (let i = 0; i < pending.length; i += 4) {
          metrics.recorderFor(pending[i] as string)(pending[i + 1] as string, pending[i + 2] as number, pending[i + 3] as number);
        }
        pending.length = 0;
        return (built = metrics);
      })
      .catch((error: unknown) => {
        failed = true;
        pending.length = 0;
        throw error;
      }));

  return {
    recorderFor(route) {
      let live: Recorder | undefined;
      return (method, status, seconds) => {
        if (live === undefined && built !== undefined) live = built.recorderFor(route);
        if (live !== undefined) return live(method, status, seconds);
        if (failed) return;
        pending.push(route, method, status, seconds);
        // A failed load is the scrapes' to report.
        if (pending.length === PENDING_LIMIT * 4) build().catch(() => undefined);
      };
    },
    async render() {
      return (await build()).render();
    },
    contentType: PROMETHEUS_TEXT,
  };
}

/** The prom-client metrics of one server over `store`. */
function buildMetrics(prom: typeof PromClient, store: ConversationStore): BuiltMetrics {
  const registry = new prom.Registry();
  const registers = [registry];
  const requests = new prom.Counter({
    name: 'turnstore_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new prom.Histogram({
    name: 'turnstore_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const conversations = new prom.Gauge({ name: 'turnstore_conversations', help: 'Live conversations in the store.', registers });
  const turns = new prom.Gauge({ name: 'turnstore_turns', help: 'Turns held in live conversations.', registers });
  const bytes = new prom.Gauge({ name: 'turnstore_content_bytes', help: 'UTF-8 bytes of content held.', registers });
  const reachable = new prom.Gauge({
    name: 'turnstore_store_reachable',
    help: '1 when the store answered the last scrape, 0 when it failed.',
    registers,
  });
  const evictions = new prom.Counter({
    name: 'turnstore_evictions_total',
    help: 'Conversations evicted by the store, by reason (ttl, lru, bytes).',
    labelNames: ['reason'] as const,
    registers,
  });
  new prom.Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new prom.Gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });

  // The store counts evictions since it was created; the counter follows it by adding what is new.
  const evictionsSeen: Record<EvictionReason, number> = { ttl: 0, lru: 0, bytes: 0 };
  for (const reason of REASONS) evictions.inc({ reason }, 0);

  async function readStore(): Promise<void> {
    try {
      const stats = await store.stats();
      conversations.set(stats.conversations);
      turns.set(stats.turns);
      bytes.set(stats.bytes);
      for (const reason of REASONS) {
        const now = stats.evictions[reason];
        if (now > evictionsSeen[reason]) evictions.inc({ reason }, now - evictionsSeen[reason]);
        evictionsSeen[reason] = Math.max(now, evictionsSeen[reason]);
      }
      reachable.set(1);
    } catch {
      // The scrape still answers, with the store marked unreachable: that is the alert worth having.
      reachable.set(0);
    }
  }

  const recorders = new Map<string, Recorder>();
  return {
    recorderFor(route) {
      const known = recorders.get(route);
      if (known !== undefined) return known;
      const counted = new Map<string, { method: string; route: string; status: string }>();
      const timed = new Map<string, { method: string; route: string }>();
      const record: Recorder = (method, status, seconds) => {
        const key = `${method} ${status}`;
        let countLabels = counted.get(key);
        if (countLabels === undefined) counted.set(key, (countLabels = { method, route, status: String(status) }));
        let timeLabels = timed.get(method);
        if (timeLabels === undefined) timed.set(method, (timeLabels = { method, route }));
        requests.inc(countLabels);
        latency.observe(timeLabels, seconds);
      };
      recorders.set(route, record);
      return record;
    },
    async render() {
      await readStore();
      return registry.metrics();
    },
  };
}
