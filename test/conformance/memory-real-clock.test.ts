import { runConformanceSuite } from '../../src/conformance/index.js';
import { MemoryStore } from '../../src/index.js';
// Without `now` the store runs on its production clocks (monotonic TTL, wall-clock ts), which the injected run never reaches.
runConformanceSuite({ name: 'MemoryStore (real clocks)', create: (options) => new MemoryStore(options), clock: 'real' });
