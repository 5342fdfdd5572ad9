import { runConformanceSuite } from 'turnstore/conformance';
import { MemoryStore } from 'turnstore';

runConformanceSuite({ name: 'MemoryStore', create: (options) => new MemoryStore(options), clock: 'injected' });
