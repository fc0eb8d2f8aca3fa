import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

/** `--workers N|auto`: how many server processes; `auto` is one per core. */
export type WorkersOption = number | 'auto';

export function resolveWorkerCount(option: WorkersOption): number {
  return option === 'auto' ? availableParallelism() : option;
}

/**
 * The environment variable that tells a forked worker its number, 1..N. A replacement for
 * a crashed worker takes over its number, so `worker` in the logs stays 1..N however often
 * workers are restarted (node:cluster's own ids keep counting up: N+1, N+2, ...).
 */
export const WORKER_NUMBER_ENV = 'NETLAB_WORKER';

/**
 * The `worker` field of every log line when the server runs as a cluster: 0 for the
 * primary (which only supervises), 1..N for the workers. Undefined for a single process,
 * whose lines carry no such field.
 */
export function workerField(count: number): number | undefined {
  if (cluster.isWorker) {
    const number = Number(process.env[WORKER_NUMBER_ENV]);
    return Number.isInteger(number) && number > 0 ? number : cluster.worker?.id;
  }
  return count > 1 ? 0 : undefined;
}
