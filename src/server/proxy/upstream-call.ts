/**
 * One request to the upstream, with the proxy's two ways of giving up on it: the upstream falls
 * silent for too long (504), or the caller goes away (nothing to answer).
 */
import { HttpError } from '../http-errors.js';

/** Why an upstream call stopped before its end. */
export type StopReason = 'timeout' | 'client-gone';

/** A fetch to the upstream with an inactivity timer, abortable when the caller leaves. */
export class UpstreamCall {
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped: StopReason | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Why the call was stopped, if it was. */
  get stopped(): StopReason | undefined {
    return this.#stopped;
  }

  /** Stops the call (the fetch, or the reading of its body, rejects). */
  stop(reason: StopReason): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  /** (Re)starts the silence timer: called when the call starts and whenever the upstream sends something. */
  heard(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.stop('timeout'), this.#timeoutMs);
    this.#timer.unref();
  }

  /** The call is over: no timer left behind. */
  finish(): void {
    clearTimeout(this.#timer);
  }

  /** POSTs `body` as JSON to `url`; the failure to get a response is an {@link HttpError} (502 or 504). */
  async post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    // Serialized before the call: a body that cannot be serialized is the service's problem, not the upstream's.
    const text = JSON.stringify(body);
    this.heard();
    try {
      const response = await fetch(url, { method: 'POST', headers, body: text, signal: this.#controller.signal });
      this.heard();
      return response;
    } catch (error) {
      throw this.failure(error, 'before it answered');
    }
  }

  /** {@link post}, resolving undefined instead when the caller went away meanwhile. */
  async postUnlessGone(url: string, body: unknown, headers: Record<string, string>): Promise<Response | undefined> {
    try {
      return await this.post(url, body, headers);
    } catch (error) {
      this.finish();
      if (error instanceof ClientGoneError) return undefined;
      throw error;
    }
  }

  /** {@link readAll}, resolving undefined instead when the caller went away meanwhile. */
  async readAllUnlessGone(response: Response): Promise<Buffer | undefined> {
    try {
      return await this.readAll(response);
    } catch (error) {
      if (error instanceof ClientGoneError) return undefined;
      throw error;
    }
  }

  /** Reads `response`'s whole body, re-arming the timer on each piece. */
  async readAll(response: Response): Promise<Buffer> {
    const pieces: Uint8Array[] = [];
    await this.forEachPiece(response, (piece) => pieces.push(piece));
    return Buffer.concat(pieces);
  }

  /** Hands each piece of `response`'s body to `take` as it arrives. Rejects like {@link post} when the body fails. */
  async forEachPiece(response: Response, take: (piece: Uint8Array) => void): Promise<void> {
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.heard();
        take(value);
      }
    } catch (error) {
      throw this.failure(error, 'in the middle of its answer');
    } finally {
      this.finish();
      reader.releaseLock();
    }
  }

  /** The error to answer for `error`, raised while waiting on the upstream `when`. */
  failure(error: unknown, when: string): Error {
    if (this.#stopped === 'timeout')
      return new HttpError('TURNSTORE_UPSTREAM_TIMEOUT', `The upstream sent nothing for ${this.#timeoutMs} ms ${when}.`, { cause: error });
    if (this.#stopped === 'client-gone') return new ClientGoneError(error);
    // undici's own header and body timers (300 s) count as the upstream's silence too.
    if (/UND_ERR_(HEADERS|BODY)_TIMEOUT/.test(String((error as { cause?: { code?: unknown } })?.cause?.code))) {
      return new HttpError('TURNSTORE_UPSTREAM_TIMEOUT', `The upstream took too long ${when}.`, { cause: error });
    }
    // The network error names the upstream's address: it goes to the service's log, not to clients.
    return new HttpError(
      'TURNSTORE_UPSTREAM_UNAVAILABLE',
      `The upstream could not be reached, or failed ${when}; the service's log says why.`,
      { cause: error },
    );
  }
}

/** The caller closed its connection: there is no one left to answer. */
export class ClientGoneError extends Error {
  constructor(cause: unknown) {
    super('The client went away before the answer was complete.', { cause });
    this.name = 'ClientGoneError';
  }
}

/** `payload` parsed as JSON, or undefined when it is not JSON. */
export function jsonOf(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
