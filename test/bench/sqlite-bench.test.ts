import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBare } from '../../bench/backends/sqlite.js';
import { loadDriver, type Database } from '../../src/sqlite/driver.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';

// bench:backends times bare statements on SqliteStore's turns table as the floor; a copy of the
// table in the bench had drifted from src/sqlite/schema.ts. The bench now lays its file out with
// the store's own migrations, so the two files hold the same schema, whatever the store's becomes.

const temp = tempDirForThisFile('turnstore-sqlite-bench-');

function layout(db: Database): unknown {
  return {
    schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name').all(),
    version: db.pragma('user_version', { simple: true }),
    turns: db.prepare('SELECT * FROM pragma_table_xinfo(?) ORDER BY cid').all('turns'),
  };
}

describe('bench:backends SQLite floor', () => {
  it("times its bare statements on a file laid out exactly as SqliteStore's", async () => {
    const storePath = temp.file('store.db');
    const store = new SqliteStore({ path: storePath });
    await store.append('c', 'user', 'hello');
    await store.close();
    const Database = loadDriver();
    const storeDb = new Database(storePath, { readonly: true });
    const bare = openBare(Database, temp.file('bare.db'), 'normal');
    try {
      assert.deepEqual(layout(bare), layout(storeDb));
    } finally {
      storeDb.close();
      bare.close();
    }
  });
});
