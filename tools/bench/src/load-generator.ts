// The idle-connections generator's process: the runner forks it once per measurement,
// sends it one job over IPC and gets one result back. (The TCP and UDP loads are driven by
// the native generator, native/load-generator.c: this one only opens connections and
// holds them, which takes no CPU worth measuring.)

import type { GeneratorMessage, IdleConnectionsJob } from './job-types';
import { runIdleConnections } from './idle-connections';

function answer(message: GeneratorMessage): void {
  process.send!(message, () => process.exit(0));
}

if (!process.send) {
  process.stderr.write('load-generator is started by the bench runner (cli.js), not by hand\n');
  process.exit(2);
}
// Never outlive the runner.
process.on('disconnect', () => process.exit(1));
process.once('message', (job: IdleConnectionsJob) => {
  runIdleConnections(job).then(
    (result) => answer({ type: 'result', result }),
    (error: unknown) =>
      answer({ type: 'failure', message: error instanceof Error ? error.message : String(error) }),
  );
});
