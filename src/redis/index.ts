/**
 * `turnstore/redis`: conversation memory in Redis, shared by many app instances. Needs the
 * optional peer `redis` (node-redis): `npm install redis`. It is loaded only when a store created
 * with `url` makes its first call, so importing this module never fails.
 *
 * @packageDocumentation
 */
export { RedisStore } from './redis-store.js';
export { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_PREFIX, MAX_PREFIX_LENGTH, type RedisStoreOptions } from './options.js';
export type { RedisClientLike, RedisClusterLike, RedisCommandOptions } from './connection.js';
