/**
 * A child process of the multi-process test: its own RedisStore on the shared server and prefix,
 * appending in order to one shared conversation and, in between, to conversations of its own.
 * Arguments: url prefix worker appends. Prints one JSON line when done.
 */
import { RedisStore } from '../../src/redis/index.js';
import { appendAsWorker } from '../support/shared-writers.js';
import { OWN_CONVERSATIONS, STORE_OPTIONS } from './multi-process-options.js';

const [url, prefix, worker, appends] = process.argv.slice(2);
const store = new RedisStore({ url: url!, prefix: prefix!, ...STORE_OPTIONS });
const count = Number(appends);
await appendAsWorker(store, worker!, count, OWN_CONVERSATIONS);
await store.close();
process.stdout.write(`${JSON.stringify({ worker, appended: count })}\n`);
