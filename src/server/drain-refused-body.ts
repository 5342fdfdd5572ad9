/**
 * When Fastify refuses a body (too large, not JSON), it answers at once and closes the connection
 * while the client may still be sending. The client's kernel then gets a reset, and most HTTP
 * clients (Python's included) report "connection reset" instead of the 413 or 400 that was sent.
 * Like nginx's lingering close, the service instead reads and discards the rest of the body, within
 * bounds, so the answer arrives; past the bounds the connection is cut.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** Most bytes discarded after a refusal before the connection is cut. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
/** Longest time spent discarding before the connection is cut. */
const MAX_DISCARD_MS = 10_000;

function discardRest(raw: IncomingMessage): void {
  let discarded = 0;
  const cut = () => raw.socket?.destroy();
  const timer = setTimeout(cut, MAX_DISCARD_MS);
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) cut();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}

/** Installs the bounded discard on `app`. */
export function drainRefusedBodies(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    // Fastify asks for `Connection: close` exactly when it gave up reading a body it refused.
    if (!request.raw.complete && reply.statusCode >= 400 && reply.getHeader('connection') === 'close') {
      void reply.removeHeader('connection');
      discardRest(request.raw);
    }
    done(null, payload);
  });
}
