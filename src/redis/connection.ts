import { TurnstoreError } from '../core/errors.js';
import type { CommandSender } from './lua-script.js';

/** What RedisStore passes with each command: a time limit, and node-redis's default reply types. */
export interface RedisCommandOptions {
  /** Milliseconds node-redis waits before rejecting the command (and dropping it from its queue). */
  readonly timeout?: number;
  /** Reply type mapping; RedisStore passes `{}` so strings come back as strings whatever the client's own mapping. */
  readonly typeMapping?: Record<never, never>;
}

/** The part of a node-redis client (`createClient`) or client pool RedisStore uses. */
export interface RedisClientLike {
  sendCommand(args: string[], options?: RedisCommandOptions): Promise<unknown>;
}

/** The part of a node-redis cluster (`createCluster`) RedisStore uses. */
export interface RedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[], options?: RedisCommandOptions): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/** The node-redis client the store creates from a `url`, as far as the store uses it. */
interface OwnedClient extends RedisClientLike {
  readonly isReady: boolean;
  on(event: 'error' | 'ready', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

/** node-redis, as far as the store uses it. */
interface NodeRedis {
  createClient(options: Record<string, unknown>): OwnedClient;
}

/** Raised when a command ran out of its time; turned into `TURNSTORE_BACKEND_UNAVAILABLE` by the store. */
export class CommandTimeout extends Error {
  constructor(ms: number, cause: unknown) {
    super(`Redis did not answer within ${ms} ms`, { cause });
    this.name = 'CommandTimeout';
  }
}

/** Raised without trying when the store's own connection has been down for a whole command timeout. */
export class Unreachable extends Error {
  constructor(downForMs: number, cause: unknown) {
    super(`Redis has been unreachable for ${Math.round(downForMs)} ms; the store keeps reconnecting`, { cause });
    this.name = 'Unreachable';
  }
}

/**
 * Longest pause between two reconnection attempts: when Redis is back, the store notices within
 * this time. Short on purpose: an attempt is one TCP connect, and a chatbot waiting on memory
 * wants it back soon.
 */
const MAX_RECONNECT_DELAY_MS = 500;
/**
 * node-redis's per-command timeout only covers the wait to be written (in its offline queue while
 * it reconnects); once a command is on the wire it waits for the reply forever. So the store
 * keeps its own timer on every call, at the deadline, and gives node-redis this much less, so
 * that a command still queued is dropped (never sent late) just before the store gives up on it.
 */
const QUEUE_TIMEOUT_MARGIN_MS = 20;

/**
 * The store's way to Redis: a client the caller gave (used as-is, never closed), or one the store
 * creates from a URL on first use (loading node-redis only then) and owns.
 *
 * Every command is bounded in time: a timer here rejects it at its deadline whatever it waits for
 * (the driver, a connection, a reply from a hung server), and node-redis's per-command `timeout`
 * drops it from the offline queue just before, so a call that failed is never sent later. With
 * the client the store owns, once the connection has been down for a whole `commandTimeoutMs`,
 * calls fail at once instead of each waiting out the bound, until it is back: a long outage does
 * not pile up waiting calls. Reconnection never gives up, so the same store works again once Redis
 * is back.
 */
export class RedisConnection {
  readonly #timeoutMs: number;
  readonly #url: string | undefined;
  #sender: CommandSender | undefined;
  #opening: Promise<CommandSender> | undefined;
  #owned: OwnedClient | undefined;
  /** The owned client's latest connection error, given as `cause` when a command times out. */
  #lastError: unknown;
  /** When the owned client lost (or never had) its connection; undefined while connected. */
  #downSince: number | undefined;
  #closed = false;

  constructor(target: { url?: string | undefined; client?: RedisClientLike | RedisClusterLike | undefined }, timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#url = target.url;
    if (target.client !== undefined) this.#sender = senderFor(target.client, timeoutMs);
  }

  /** Whether commands have been sent (or a caller's client was given): the sweep has nothing to do before. */
  get opened(): boolean {
    return this.#sender !== undefined;
  }

  /** The command sender, once open; opens the owned client on first use. */
  readonly send: CommandSender = (firstKey, args, deadline) => {
    const sender = this.#sender;
    if (sender === undefined) return this.#bounded(this.#open().then((opened) => opened(firstKey, args, deadline)), deadline);
    const downFor = this.#downSince === undefined || this.#owned?.isReady !== false ? 0 : performance.now() - this.#downSince;
    if (downFor >= this.#timeoutMs) return Promise.reject(new Unreachable(downFor, this.#lastError));
    return this.#bounded(sender(firstKey, args, deadline), deadline);
  };

  /** Closes the owned client (pending replies first, when connected); a caller's client is left alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#owned;
    if (client === undefined) return;
    if (!client.isReady) {
      client.destroy();
      return;
    }
    // A graceful close waits for pending replies; should the server stop answering meanwhile,
    // destroy after the command timeout rather than wait forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      client.close().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          client.destroy();
          resolve();
        }, this.#timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #open(): Promise<CommandSender> {
    this.#opening ??= this.#createOwnedClient();
    return this.#opening;
  }

  async #createOwnedClient(): Promise<CommandSender> {
    let redis: NodeRedis;
    try {
      redis = (await import('redis')) as unknown as NodeRedis;
    } catch (error) {
      throw new TurnstoreError('TURNSTORE_MISSING_PEER', 'RedisStore needs the node-redis driver, an optional peer dependency of turnstore: npm install redis', { cause: error });
    }
    if (this.#closed) throw new TurnstoreError('TURNSTORE_CLOSED', 'This RedisStore was closed.');
    const client = redis.createClient({
      url: this.#url,
      // Commands wait in the offline queue while the client reconnects, each for at most its
      // timeout, then are rejected and dropped from the queue: a short Redis restart is invisible,
      // a longer outage fails calls in bounded time.
      disableOfflineQueue: false,
      socket: {
        connectTimeout: this.#timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(20 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      },
    });
    // node-redis emits 'error' for every failed (re)connection attempt; without a listener the
    // process would crash. The last one explains a later timeout.
    client.on('error', (error) => {
      this.#lastError = error;
      // Connection failures come with the client no longer ready; other errors do not start the clock.
      if (!client.isReady) this.#downSince ??= performance.now();
    });
    client.on('ready', () => {
      this.#downSince = undefined;
    });
    this.#owned = client;
    // Resolves at the first connection; node-redis retries until then (forever, by the strategy
    // above), and rejects only when the store closes the client.
    client.connect().catch(() => undefined);
    const sender = senderFor(client, this.#timeoutMs);
    this.#sender = sender;
    return sender;
  }

  /** `work`, or a {@link CommandTimeout} should it outlast the deadline. */
  #bounded(work: Promise<unknown>, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CommandTimeout(this.#timeoutMs, this.#lastError)), Math.max(0, deadline - performance.now()));
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(isNodeRedisTimeout(error) ? new CommandTimeout(this.#timeoutMs, this.#lastError ?? error) : error);
        },
      );
    });
  }
}

/** Whether the error is node-redis's own per-command timeout (its `TimeoutError` or a subclass; matched by name, as the driver is loaded lazily or not ours). */
function isNodeRedisTimeout(error: unknown): boolean {
  for (let proto: unknown = error instanceof Error ? Object.getPrototypeOf(error) : null; proto !== null && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'TimeoutError') return true;
  }
  return false;
}

/** Whether the client is a node-redis cluster, whose sendCommand takes a routing key first. */
function isCluster(client: RedisClientLike | RedisClusterLike): client is RedisClusterLike {
  return typeof (client as Partial<RedisClusterLike>).getSlotMaster === 'function';
}

/** A {@link CommandSender} over a node-redis client or cluster, with the time left as node-redis's timeout. */
function senderFor(client: RedisClientLike | RedisClusterLike, timeoutMs: number): CommandSender {
  const typeMapping = {};
  const optionsFor = (deadline: number): RedisCommandOptions => ({
    timeout: Math.max(1, Math.min(timeoutMs, Math.floor(deadline - performance.now())) - QUEUE_TIMEOUT_MARGIN_MS),
    typeMapping,
  });
  if (isCluster(client)) {
    // Every script writes, so it goes to the master of the slot of its first key.
    return (firstKey, args, deadline) => client.sendCommand(firstKey, false, args, optionsFor(deadline));
  }
  return (_firstKey, args, deadline) => client.sendCommand(args, optionsFor(deadline));
}
