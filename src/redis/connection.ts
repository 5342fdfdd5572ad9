import { closedError } from '../core/errors.js';
import { importPeer } from '../core/import-peer.js';
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
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: RedisCommandOptions,
  ): Promise<unknown>;
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
    super(`did not answer within ${ms} ms`, { cause }); // worded to follow "Redis"
    this.name = 'CommandTimeout';
  }
}

/** Raised without trying when the store's own connection has been down for a whole command timeout. */
export class Unreachable extends Error {
  constructor(downForMs: number, cause: unknown) {
    super(`has been unreachable for ${Math.round(downForMs)} ms; the store keeps reconnecting`, { cause }); // worded to follow "Redis"
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
 * The store's way to Redis: a client the caller gave (used as-is, never closed), or one the store
 * creates from a URL and owns (node-redis is loaded when the store is created, the connection
 * opened on its first call).
 *
 * Every call is bounded in time by a timer here, at its deadline, whatever it waits for: the
 * driver, a connection, a reply from a hung server (node-redis's own per-command timeout stops
 * once a command is written).
 *
 * The client the store owns has no offline queue: a call made while it is disconnected waits for
 * the connection itself (at most until its deadline), and is only written once connected, so a
 * call that failed is never sent later. Once the connection has been down for a whole
 * `commandTimeoutMs`, calls fail at once instead of each waiting out the bound, until it is back:
 * a long outage does not pile up waiting calls. Reconnection never gives up, so the same store
 * works again once Redis is back. A caller's client gets the time left as node-redis's
 * per-command `timeout`, which drops a command from its offline queue (if it has one) in time.
 */
export class RedisConnection {
  readonly #timeoutMs: number;
  readonly #url: string | undefined;
  readonly #callerSender: CommandSender | undefined;
  #driver: Promise<NodeRedis> | undefined;
  #opening: Promise<OwnedClient> | undefined;
  #owned: OwnedClient | undefined;
  /** The owned client's latest connection error, given as `cause` when a call fails for want of a connection. */
  #lastError: unknown;
  /** When the owned client lost (or failed to get) its connection; undefined while connected. */
  #downSince: number | undefined;
  /** Resolves at the owned client's next 'ready'; shared by every call waiting for it. */
  #ready: { promise: Promise<void>; resolve: () => void } | undefined;
  #closed = false;

  constructor(target: { url?: string | undefined; client?: RedisClientLike | RedisClusterLike | undefined }, timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#url = target.url;
    if (target.client !== undefined) this.#callerSender = senderFor(target.client, timeoutMs);
  }

  /** Starts loading node-redis (for a store made from a URL) without connecting yet. */
  preload(): void {
    if (this.#url !== undefined) void this.#loadDriver();
  }

  /** Whether the store has a client yet (a caller's, or its own after the first call): the sweep waits for one. */
  get opened(): boolean {
    return this.#callerSender !== undefined || this.#owned !== undefined;
  }

  /** Sends a command; opens the owned client on first use. */
  readonly send: CommandSender = (firstKey, args, deadline) => {
    if (this.#callerSender !== undefined) return this.#bounded(this.#callerSender(firstKey, args, deadline), deadline);
    const owned = this.#owned;
    // The hot path: connected, one write, one timer.
    if (owned?.isReady) return this.#bounded(owned.sendCommand(args), deadline);
    return this.#sendWhenConnected(args, deadline);
  };

  /** Closes the owned client (pending replies first, when connected); a caller's client is left alone. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#owned;
    if (client === undefined) return;
    // Calls waiting for a reconnection go on at once, and fail on the closed client.
    this.#ready?.resolve();
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

  /** The slow path of {@link send}: loads the driver and connects if need be, or waits for a reconnection. */
  async #sendWhenConnected(args: string[], deadline: number): Promise<unknown> {
    if (this.#owned === undefined) {
      // Loading node-redis is local work, not waiting for Redis: it does not count against the
      // call's time (on a busy machine it alone can take a second), the connection does.
      const loadStarted = performance.now();
      await this.#open();
      deadline += performance.now() - loadStarted;
    }
    const client = this.#owned!;
    if (!client.isReady) {
      const downFor = this.#downSince === undefined ? 0 : performance.now() - this.#downSince;
      if (downFor >= this.#timeoutMs) throw new Unreachable(downFor, this.#lastError);
      this.#ready ??= withResolvers();
      await this.#bounded(this.#ready.promise, deadline);
    }
    return this.#bounded(client.sendCommand(args), deadline);
  }

  /**
   * Loads node-redis, once; the store starts this as soon as it is created, so the driver is
   * usually loaded by the first call. Rejects with `TURNSTORE_MISSING_PEER` when node-redis is not
   * installed, `TURNSTORE_PEER_LOAD_FAILED` when it fails to load.
   */
  #loadDriver(): Promise<NodeRedis> {
    if (this.#driver === undefined) {
      this.#driver = importPeer('redis', 'RedisStore', () => import('redis')).then((redis) => redis as unknown as NodeRedis);
      // Whoever calls first sees the failure; an unobserved one must not crash the process.
      this.#driver.catch(() => undefined);
    }
    return this.#driver;
  }

  /** Creates and starts connecting the owned client, once. */
  #open(): Promise<OwnedClient> {
    if (this.#opening === undefined) {
      this.#opening = this.#loadDriver().then((redis) => this.#createOwnedClient(redis));
      this.#opening.catch(() => undefined);
    }
    return this.#opening;
  }

  #createOwnedClient(redis: NodeRedis): OwnedClient {
    if (this.#closed) throw closedError({ owner: 'RedisStore' });
    const client = redis.createClient({
      url: this.#url,
      // No offline queue: the store waits for the connection itself (see the class comment).
      disableOfflineQueue: true,
      // The store times every call itself; node-redis's own per-command timer (an AbortSignal per
      // command, 5 s by default in node-redis 6) would only add garbage on the hot path.
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: this.#timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(20 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      },
    });
    // node-redis emits 'error' for every failed (re)connection attempt; without a listener the
    // process would crash. The last one explains a later failure.
    client.on('error', (error) => {
      this.#lastError = error;
      // Connection failures come with the client no longer ready; other errors do not start the clock.
      if (!client.isReady) this.#downSince ??= performance.now();
    });
    client.on('ready', () => {
      this.#downSince = undefined;
      const ready = this.#ready;
      this.#ready = undefined;
      ready?.resolve();
    });
    this.#owned = client;
    // Resolves at the first connection; node-redis retries until then (forever, by the strategy
    // above), and rejects only when the store closes the client.
    client.connect().catch(() => undefined);
    return client;
  }

  /** `work`, or a {@link CommandTimeout} should it outlast the deadline. */
  #bounded(work: Promise<unknown>, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CommandTimeout(this.#timeoutMs, this.#lastError)),
        Math.max(0, deadline - performance.now()),
      );
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

/** A promise with its resolve function (Promise.withResolvers is Node 22+). */
function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Whether the error is node-redis's own per-command timeout (its `TimeoutError` or a subclass; matched by name, as the driver is loaded lazily or not ours). */
function isNodeRedisTimeout(error: unknown): boolean {
  for (
    let proto: unknown = error instanceof Error ? Object.getPrototypeOf(error) : null;
    proto !== null && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
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
    timeout: Math.max(1, Math.min(timeoutMs, Math.floor(deadline - performance.now()))),
    typeMapping,
  });
  if (isCluster(client)) {
    // Every script writes, so it goes to the master of the slot of its first key.
    return (firstKey, args, deadline) => client.sendCommand(firstKey, false, args, optionsFor(deadline));
  }
  return (_firstKey, args, deadline) => client.sendCommand(args, optionsFor(deadline));
}
