/**
 * When the service refuses a request before reading its body (too large, not JSON, no token, no
 * route), the connection may be closed right after the answer (Fastify closes it after a refused
 * body; clients may ask for it) while the client is still sending. Closing a socket with unread
 * data makes the kernel send a reset, and most HTTP clients (Python's included) then report
 * "connection reset" or "broken pipe" instead of the 413, 415 or 401 that was sent. So, like
 * nginx's lingering close, the service first reads and discards the rest of the body, within
 * bounds, then answers; the connection is then in a clean state and may stay open. Past the
 * bounds the connection is cut.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Most bytes discarded after a refusal before the connection is cut. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
/** Longest time spent discarding before the connection is cut. */
const MAX_DISCARD_MS = 10_000;

/**
 * Runs `answer` once the rest of `request`'s body has been read and dropped (at once when there
 * is none left), or once the bounds are passed and the connection cut.
 */
export function afterUnreadBody(request: FastifyRequest, reply: FastifyReply, answer: () => void): void {
  const raw = request.raw;
  if (raw.complete || raw.readableEnded) {
    answer();
    return;
  }
  // Fastify asks for `Connection: close` when it gave up reading a body; once the body is read the
  // connection is clean again and may stay open.
  if (reply.getHeader('connection') === 'close') void reply.removeHeader('connection');
  let discarded = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    answer();
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
