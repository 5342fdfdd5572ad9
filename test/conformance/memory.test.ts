import { runConformanceSuite } from '../../src/conformance/index.js';
import { MemoryStore } from '../../src/index.js';
runConformanceSuite({ name: 'MemoryStore', create: (options) => new MemoryStore(options), clock: 'injected' });
