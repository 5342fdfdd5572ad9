/** The default request-body limit of the service. */

/** Fastify's own default, and the service's smallest default body limit: 1 MiB. */
export const MIN_DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * A body limit that fits a user message and its reply of `maxTurnBytes` each, JSON-escaped at up to
 * twice their size, and never less than 1 MiB: a turn the store would accept is never refused for
 * the size of its request.
 *
 * Tool calls, attachments and metadata need no more room: `maxTurnBytes` counts them as the JSON
 * text the store keeps, which is what they take in a request body too (escapes included), and a
 * data: URL is ASCII that JSON does not escape, so an attachment costs the body what it costs the
 * store. A batch of more than two turns of `maxTurnBytes` each (a whole tool loop in one request)
 * may need a larger limit: `bodyLimit` of `createServer`.
 */
export function defaultBodyLimit(maxTurnBytes: number): number {
  return Math.max(MIN_DEFAULT_BODY_LIMIT, 4 * maxTurnBytes + 64 * 1024);
}
