import assert from 'node:assert/strict';
import { MemoryStore } from 'turnstore';

let now = Date.UTC(2026, 0, 1);
const memory = new MemoryStore({ ttlSeconds: 60, now: () => now });

await memory.append('c1', 'user', 'hi');
now += 60_000;                                  // exactly the TTL: still alive
assert.equal((await memory.get('c1')).length, 1); // …and the read refreshed it
now += 60_001;                                  // just past the TTL
assert.deepEqual(await memory.get('c1'), []);
await memory.close();
