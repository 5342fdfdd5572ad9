/** {@link createServer}: the HTTP service of SPEC §6 over any {@link ConversationStore}. */
import type { FastifyInstance, onRequestHookHandler, onResponseHookHandler, RouteOptions } from 'fastify';
import { invalidOptionError } from '../core/errors.js';
import { checkOptions, checkStoreOption, optionKeys } from '../core/options.js';
import type { ConversationStore } from '../core/types.js';
import { MAX_ID_LENGTH } from '../core/validate.js';
import { bearerChecker, tokenProblem } from './auth.js';
import { MIN_DEFAULT_BODY_LIMIT } from './body-limit.js';
import { registerConversationRoutes } from './conversation-routes.js';
import {
  clientErrorHandler,
  frameworkErrorsFor,
  installErrorHandlers,
  refuseConnect,
  schemaErrorFormatter,
  unauthorized,
} from './error-handling.js';
import { failureLog } from './failure-log.js';
import { lazySchemaCompilers } from './lazy-schemas.js';
import { serviceLogger } from './service-logger.js';
import { acceptOnlyJson } from './json-body.js';
import { LOG_LEVELS, type LogLevel } from './log-levels.js';
import { checkPromClientInstalled, createMetrics, type ServiceMetrics } from './metrics.js';
import { buildOpenApi, type DocumentedRoute, type RouteDocumentation } from './openapi.js';
import { registerOperationsRoutes } from './operations-routes.js';
import { packageVersion } from './package-version.js';
import { loadFastify, loadPromClient } from './peers.js';
import { resolveProxyOptions, type ProxyOptions } from './proxy/proxy-options.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The store the service serves. The server never closes it: whoever created it does, after `close()` of the server. */
  readonly store: ConversationStore;
  /**
   * When set, every /v1 route needs `Authorization: Bearer <token>`. Printable ASCII, no spaces.
   * @default no token: /v1 is open (bind to loopback only)
   */
  readonly token?: string;
  /**
   * Level of the JSON log lines written to stdout. Requests are logged (by Fastify's pino logger)
   * only at `debug` and `trace`; a request the service failed (a 5xx) is logged at every level but
   * `fatal` and `silent`. Bad input is the client's fault and never logged.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
  /**
   * Largest request body in bytes; a larger one is refused with 413 `TURNSTORE_PAYLOAD_TOO_LARGE`.
   * @default 1048576 (1 MiB); see {@link defaultBodyLimit} to size it from `maxTurnBytes`
   */
  readonly bodyLimit?: number;
  /**
   * Whether to serve /metrics (needs the optional peer prom-client).
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * When given, the service is also a memory proxy: `POST /v1/chat/completions`, OpenAI-compatible,
   * forwarded to `proxy.upstream` with the conversation's history, and the Responses API
   * (`POST /v1/responses` with `previous_response_id` and `conversation`, `GET`/`DELETE
   * /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`) over the same upstream's chat
   * completions (see docs/memory-proxy.md).
   * @default no proxy route
   */
  readonly proxy?: ProxyOptions;
}

const OWNER = 'createServer';

/** The store methods the routes call: a store without one is refused when the server is created. */
const STORE_METHODS = ['get', 'append', 'appendMany', 'pop', 'delete', 'size', 'list', 'stats'] as const;

/** Every option of {@link createServer}: anything else is refused, so a misspelt `token` cannot leave /v1 open. */
const SERVER_OPTION_KEYS = optionKeys<ServerOptions>({
  store: true,
  token: true,
  logLevel: true,
  bodyLimit: true,
  metrics: true,
  proxy: true,
});

// A percent-encoded UTF-16 code unit takes at most 9 characters (%XX%XX%XX). The router measures
// the decoded segment today, but this bound stays correct should it ever measure the encoded one;
// the store itself refuses ids over 256 code units.
const MAX_PARAM_LENGTH = MAX_ID_LENGTH * 9;

/**
 * Adds to `route` an onResponse hook feeding `record`. One per route, with the route's pattern
 * known in advance: reading it per request (`request.routeOptions`) builds an object each time.
 */
function addRouteMetrics(route: RouteOptions, record: (method: string, status: number, seconds: number) => void): void {
  const hook: onResponseHookHandler = (request, reply, done) => {
    record(request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  };
  const existing = route.onResponse;
  route.onResponse = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
}

/**
 * Creates the HTTP service over `store`: routes, schemas, auth, metrics and error mapping, ready to
 * `listen()` (or to `inject()` in tests). Async because fastify and prom-client are optional peers:
 * fastify is loaded here, prom-client (with metrics on) by the first scrape. When either is missing
 * it rejects with `TURNSTORE_MISSING_PEER` naming it; a fastify that is installed but fails to load
 * rejects with `TURNSTORE_PEER_LOAD_FAILED`, while a prom-client that fails to load is only found
 * by that first scrape, which then answers 500 (its log line names the cause) as every later one
 * does. Route schemas compile on a route's first use. Every option is
 * checked first: an unknown one (`tokn` for `token`) or a bad value rejects with
 * `TURNSTORE_INVALID_OPTION` naming it, before anything is loaded.
 *
 * @example
 * ```ts
 * import { MemoryStore } from 'turnstore';
 * import { createServer } from 'turnstore/server';
 *
 * const store = new MemoryStore();
 * const app = await createServer({ store, token: process.env.TURNSTORE_TOKEN });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 * // later: await app.close(); await store.close();
 * ```
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const raw = checkOptions(options, { owner: OWNER, known: SERVER_OPTION_KEYS });
  const {
    store,
    token,
    logLevel = 'info',
    bodyLimit = MIN_DEFAULT_BODY_LIMIT,
    metrics: wantMetrics = true,
  } = raw as Partial<ServerOptions>;
  const checked = checkStoreOption(OWNER, store, STORE_METHODS);
  if (token !== undefined) {
    const problem = typeof token === 'string' ? tokenProblem(token) : 'it must be a string';
    if (problem) throw invalidOptionError({ owner: OWNER, option: 'token', problem: `cannot be used: ${problem}` });
  }
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) {
    throw invalidOptionError({ owner: OWNER, option: 'bodyLimit', problem: 'must be an integer ≥ 1', value: bodyLimit });
  }
  if (!LOG_LEVELS.includes(logLevel)) {
    throw invalidOptionError({ owner: OWNER, option: 'logLevel', problem: `must be one of ${LOG_LEVELS.join(', ')}`, value: logLevel });
  }
  if (typeof wantMetrics !== 'boolean') {
    throw invalidOptionError({ owner: OWNER, option: 'metrics', problem: 'must be true or false', value: wantMetrics });
  }
  const proxy = raw.proxy === undefined ? undefined : resolveProxyOptions(raw.proxy as ProxyOptions);
  const fastifyModule = await loadFastify();
  if (wantMetrics) await checkPromClientInstalled();
  const metrics: ServiceMetrics | undefined = wantMetrics ? createMetrics(loadPromClient, checked) : undefined;
  const checkToken = token === undefined ? undefined : bearerChecker(token);
  const logRequests = logLevel === 'debug' || logLevel === 'trace';

  const app = fastifyModule.default({
    // pino only when requests are logged; otherwise a logger without per-request children (see
    // service-logger.ts for why) and Fastify's request lines off.
    ...(logRequests
      ? { logger: { level: logLevel } }
      : { loggerInstance: serviceLogger(logLevel), logController: new fastifyModule.LogController({ disableRequestLogging: true }) }),
    bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Requests that arrive on open connections while the service drains are still served (the store
    // is closed only after the last one), each with Connection: close, rather than answered with
    // Fastify's own 503 body.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        // Never coerce: `"content": 5` must be refused, not stored as "5".
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
      },
    },
    // Validators and serializers compiled per route on first use (lazy-schemas.ts), not at ready().
    schemaController: { compilersFactory: lazySchemaCompilers() },
    schemaErrorFormatter,
    frameworkErrors: frameworkErrorsFor(checkToken),
    clientErrorHandler,
  });

  // Only JSON bodies: text/plain, which Fastify parses by default, would otherwise be refused as a
  // bad turn (400) rather than as the wrong media type (415).
  acceptOnlyJson(app);
  app.server.on('connect', refuseConnect);

  const documented: DocumentedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (metrics) addRouteMetrics(route, metrics.recorderFor(route.url));
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!route.schema || methods.includes('HEAD')) return;
    const needsToken = checkToken !== undefined && route.url.startsWith('/v1/');
    for (const method of methods) documented.push({ method, url: route.url, schema: route.schema as RouteDocumentation, needsToken });
  });
  let openApi: object | undefined;
  const describeApi = () =>
    (openApi ??= buildOpenApi(documented, {
      title: 'turnstore',
      version: packageVersion(),
      description: 'Conversation memory for chatbots: the last few turns per conversation, idle conversations forgotten on time.',
    }));

  if (metrics) {
    // Requests no route matched: the routes' own hooks (added as each route is registered) count the rest.
    const recordUnmatched = metrics.recorderFor('unmatched');
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) recordUnmatched(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  installErrorHandlers(app, checkToken, failureLog(logRequests));
  registerOperationsRoutes(app, checked, metrics, describeApi);
  const requireToken: onRequestHookHandler | undefined = checkToken
    ? (request, _reply, done) => done(checkToken(request.headers.authorization) ? undefined : unauthorized())
    : undefined;
  registerConversationRoutes(app, checked, requireToken);
  if (proxy) {
    // The proxy's modules (the chat message and stream handling) load only for a server that has it.
    const { registerChatCompletionsRoute } = await import('./proxy/chat-completions-route.js');
    const { registerResponsesRoutes } = await import('./proxy/responses/responses-route.js');
    const { ProxySummaries } = await import('./proxy/summaries.js');
    const { upstreamHeadersOf } = await import('./proxy/chat-completions-route.js');
    // One for both routes: a conversation never has two summaries under way in this process.
    const summaries = proxy.summarize
      ? new ProxySummaries(checked, proxy.summarize, {
          completionsUrl: proxy.completionsUrl,
          headers: upstreamHeadersOf(proxy),
          timeoutMs: proxy.upstreamTimeoutMs,
        })
      : undefined;
    await app.register(
      async (v1) => {
        if (requireToken) v1.addHook('onRequest', requireToken);
        registerChatCompletionsRoute(v1, checked, proxy, summaries);
        await registerResponsesRoutes(v1, checked, proxy, failureLog(logRequests), summaries);
      },
      { prefix: '/v1' },
    );
  }
  return app;
}
