/**
 * When Fastify refuses a request (body too large, not JSON, no token, no route), it answers at once,
 * and the connection is closed (by Fastify, or because the client asked) while the client may still
 * be sending the body. Closing a socket with unread data makes the kernel send a
 * reset, and most HTTP clients (Python's included) then report "connection reset" or "broken pipe"
 * instead of the 413 or 415 that was sent. So, like nginx's lingering close, the service first
 * reads and discards the rest of the body, within bounds, then answers; the connection is then in
 * a clean state and may stay open. Past the bounds the connection is cut.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** Most bytes discarded after a refusal before the connection is cut. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
/** Longest time spent discarding before the connection is cut. */
const MAX_DISCARD_MS = 10_000;

/** Reads and drops what is left of `raw`'s body; `then` runs once it ended or was cut. */
function discardRest(raw: IncomingMessage, then: () => void): void {
  let discarded = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    then();
  };
  const cut = () => {
    raw.destroy();
    finish();
  };
  const timer = setTimeout(cut, MAX_DISCARD_MS);
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) cut();
  });
  raw.once('end', finish);
  raw.once('close', finish);
  raw.resume();
}

/** Installs the bounded discard on `app`. */
export function drainRefusedBodies(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // An error answered before its body was read: refused for its size or media type, or before
    // parsing (401, 404).
    if (raw.complete || raw.readableEnded || reply.statusCode < 400) {
      done(null, payload);
      return;
    }
    // Fastify asks for `Connection: close` when it gave up reading a body; once the body is read
    // the connection is clean again and may stay open.
    if (reply.getHeader('connection') === 'close') void reply.removeHeader('connection');
    discardRest(raw, () => done(null, payload));
  });
}
