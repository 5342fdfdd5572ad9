/**
 * turnstore/server — the HTTP service of SPEC §6 as a Fastify instance, to run with
 * `turnstore serve` or to embed and test in-process. Needs the optional peers fastify and
 * prom-client; fastify is loaded when a server is created, prom-client by its first scrape of
 * /metrics, neither by `import 'turnstore'`.
 *
 * @packageDocumentation
 */
export { createServer, type ServerOptions } from './create-server.js';
export { DEFAULT_CONTEXT_TOKENS, DEFAULT_UPSTREAM_TIMEOUT_MS, type ProxyOptions } from './proxy/proxy-options.js';
export { defaultBodyLimit } from './body-limit.js';
export { LOG_LEVELS, type LogLevel } from './log-levels.js';
export { HTTP_ERROR_CODES, STORE_CODE_STATUS, type HttpErrorCode, type ServiceErrorCode, type ErrorBody } from './http-errors.js';
