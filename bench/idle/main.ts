/**
 * `npm run bench:idle`: the resident memory of the idle service against bare Fastify, in one run.
 * Fresh processes, started one after another and alternated (bare, service, bare, …), each
 * measured once it listens and after a full garbage collection; the median of each kind is
 * compared with the target (the service at most 1.1× bare Fastify). Writes bench/results/idle.json,
 * prints the table and regenerates the idle section of docs/benchmarks.md. Progress goes to stderr.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { repoRoot } from '../../test/seed/seed-location.js';
import { writeBenchmarksDoc } from '../report.js';
import { packageVersion } from '../package-version.js';
import { checkoutFacts, machineFacts } from '../run-support.js';
import type { IdleServerKind, IdleServerMessage } from './idle-server.js';
import { IDLE_PARAMETERS as parameters, idleTable, type IdleResults, type IdleSample } from './results.js';

const root = repoRoot();
const progress = (message: string) => process.stderr.write(`[bench:idle] ${message}\n`);

/** Starts one fresh server process, measures it once it listens, and stops it. */
async function sampleOf(kind: IdleServerKind): Promise<IdleSample> {
  const child = fork(new URL('./idle-server.js', import.meta.url), [kind], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  try {
    const next = (type: IdleServerMessage['type']) =>
      new Promise<IdleServerMessage>((resolve, reject) => {
        const onMessage = (message: IdleServerMessage) => {
          if (message.type !== type) return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        void exited.then(() => reject(new Error(`the ${kind} server exited before sending "${type}"`)));
      });
    await next('listening');
    // Whatever the server still does after listening (timers, lazy work) is given time to finish.
    await new Promise((resolve) => setTimeout(resolve, parameters.settleMs));
    const measured = next('measured');
    child.send('measure');
    const reply = await measured;
    if (reply.type !== 'measured') throw new Error('unexpected reply');
    child.send('stop');
    await exited;
    return { rssBytes: reply.rssBytes, heapUsedBytes: reply.heapUsedBytes, commonJsModules: reply.commonJsModules };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const samples: Record<IdleServerKind, IdleSample[]> = { bare: [], service: [] };
for (let round = 0; round < parameters.rounds; round++) {
  for (const kind of ['bare', 'service'] as const) {
    const sample = await sampleOf(kind);
    samples[kind].push(sample);
    progress(
      `round ${round + 1} ${kind}: ${(sample.rssBytes / 2 ** 20).toFixed(1)} MiB RSS, heap used ${(sample.heapUsedBytes / 2 ** 20).toFixed(1)} MiB, ${sample.commonJsModules} CommonJS modules`,
    );
  }
}
const results: IdleResults = {
  suite: 'idle',
  date: new Date().toISOString(),
  machine: machineFacts(),
  runtimes: { node: process.version },
  versions: {
    ...checkoutFacts(),
    fastify: packageVersion('fastify'),
    promClient: packageVersion('prom-client'),
  },
  parameters,
  samples,
};

const resultsPath = join(root, 'bench', 'results', 'idle.json');
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
const docPath = writeBenchmarksDoc(['idle']);
progress(`wrote ${resultsPath} and ${docPath}`);
process.stdout.write(`\n${idleTable(results)}\n`);
