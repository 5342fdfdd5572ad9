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
  on(event: 'error', listener: (error: unknown) => void): unknown;
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

/**
 * Longest pause between two reconnection attempts: when Redis is back, the store notices within
 * this time. Short on purpose: an attempt is one TCP connect, and a chatbot waiting on memory
 * wants it back soon.
 */
const MAX_RECONNECT_DELAY_MS = 500;
/**
 * The store's own timer fires this much after node-redis's per-command timeout, which should
 * always come first (it also drops the command from the offline queue, so it is never sent
 * late). The store's timer is only the backstop for waits node-redis does not time: loading the
 * driver, a cluster finding its slots.
 */
const BACKSTOP_GRACE_MS = 100;

/**
 * The store's way to Redis: a client the caller gave (used as-is, never closed), or one the store
 * creates from a URL on first use (loading node-redis only then) and owns.
 *
 * Every command is bounded in time: node-redis gets a per-command `timeout`; commands wait in its
 * offline queue while it reconnects, but never longer than that; and a backstop timer here
 * covers the rest. Reconnection never gives up, so the same store works again once Redis is back.
 */
export class RedisConnection {
  readonly #timeoutMs: number;
  readonly #url: string | undefined;
  #sender: CommandSender | undefined;
  #opening: Promise<CommandSender> | undefined;
  #owned: OwnedClient | undefined;
  /** The owned client's latest connection error, given as `cause` when a command times out. */
  #lastError: unknown;
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
    if (sender !== undefined) return this.#bounded(sender(firstKey, args, deadline), deadline);
    return this.#bounded(this.#open().then((opened) => opened(firstKey, args, deadline)), deadline);
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
    });
    this.#owned = client;
    // Resolves at the first connection; node-redis retries until then (forever, by the strategy
    // above), and rejects only when the store closes the client.
    client.connect().catch(() => undefined);
    const sender = senderFor(client, this.#timeoutMs);
    this.#sender = sender;
    return sender;
  }

  /** `work`, or a {@link CommandTimeout} should it outlast the deadline (plus a grace: see {@link BACKSTOP_GRACE_MS}). */
  #bounded(work: Promise<unknown>, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CommandTimeout(this.#timeoutMs, this.#lastError)), Math.max(0, deadline - performance.now()) + BACKSTOP_GRACE_MS);
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
    timeout: Math.max(1, Math.min(timeoutMs, Math.ceil(deadline - performance.now()))),
    typeMapping,
  });
  if (isCluster(client)) {
    // Every script writes, so it goes to the master of the slot of its first key.
    return (firstKey, args, deadline) => client.sendCommand(firstKey, false, args, optionsFor(deadline));
  }
  return (_firstKey, args, deadline) => client.sendCommand(args, optionsFor(deadline));
}
