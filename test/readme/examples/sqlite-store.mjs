import { SqliteStore } from 'turnstore/sqlite';

// Survives reboots: the memory lives in one file (its folder must exist).
const memory = new SqliteStore({ path: './memory.db', maxTurns: 8, ttlSeconds: 3600 });
await memory.append('conv1', 'user', 'Hello');
console.log(await memory.get('conv1'));
// [ { role: 'user', content: 'Hello', ts: 1763930000.123 } ]
await memory.close();
