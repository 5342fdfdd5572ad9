import { runConformanceSuite } from '../../src/conformance/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';
import { tempDirForThisFile } from '../support/temp-dir.js';
const temp = tempDirForThisFile('turnstore-sqlite-conformance-');
runConformanceSuite({ name: 'SqliteStore', create: (options) => new SqliteStore({ path: temp.file(), ...options }), clock: 'injected' });
