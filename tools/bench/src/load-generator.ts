// The load generator's process: the runner forks it once per measurement, sends it one
// job over IPC and gets one result back. All connections live in this one process and
// its one event loop, so its CPU share (reported with every result) says plainly whether
// the generator or the server set the pace.

import type { GeneratorJob, GeneratorMessage, GeneratorResult } from './job-types';
import { runIdleConnections } from './idle-connections';
import { runTcpLoad } from './load-tcp';
import { runUdpLoad } from './load-udp';

function run(job: GeneratorJob): Promise<GeneratorResult> {
  switch (job.kind) {
    case 'tcp-load':
      return runTcpLoad(job);
    case 'udp-load':
      return runUdpLoad(job);
    case 'idle-connections':
      return runIdleConnections(job);
  }
}

function answer(message: GeneratorMessage): void {
  process.send!(message, () => process.exit(0));
}

if (!process.send) {
  process.stderr.write('load-generator is started by the bench runner (cli.js), not by hand\n');
  process.exit(2);
}
// Never outlive the runner.
process.on('disconnect', () => process.exit(1));
process.once('message', (job: GeneratorJob) => {
  run(job).then(
    (result) => answer({ type: 'result', result }),
    (error: unknown) =>
      answer({ type: 'failure', message: error instanceof Error ? error.message : String(error) }),
  );
});
