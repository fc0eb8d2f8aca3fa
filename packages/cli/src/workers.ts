import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';

/** `--workers N|auto`: how many server processes; `auto` is one per core. */
export type WorkersOption = number | 'auto';

export function resolveWorkerCount(option: WorkersOption): number {
  return option === 'auto' ? availableParallelism() : option;
}

/**
 * The `worker` field of every log line when the server runs as a cluster: 0 for the
 * primary (which only supervises), 1..N for the workers, as node:cluster numbers them.
 * Undefined for a single process, whose lines carry no such field.
 */
export function workerField(count: number): number | undefined {
  if (cluster.isWorker) return cluster.worker?.id;
  return count > 1 ? 0 : undefined;
}

/** Messages between the primary and its workers, over the cluster's IPC channel. */
export const WORKER_MESSAGE = {
  /** worker -> primary: bound and serving. */
  listening: 'netlab:listening',
  /** primary -> worker: stop within `graceMs` (0: at once). */
  shutdown: 'netlab:shutdown',
} as const;

export type WorkerMessage =
  | { type: typeof WORKER_MESSAGE.listening }
  | { type: typeof WORKER_MESSAGE.shutdown; graceMs: number };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === WORKER_MESSAGE.listening || type === WORKER_MESSAGE.shutdown;
}

// A worker that dies young is restarted after a pause that doubles each time, so a crash
// loop costs a restart every few seconds at most, not a busy loop of forks.
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran this long counts as healthy: its slot's backoff starts over. */
const HEALTHY_AFTER_MS = 10_000;
/** Past the grace period, workers that still run are killed. */
const KILL_MARGIN_MS = 2_000;

interface Slot {
  index: number;
  worker: Worker | undefined;
  startedAt: number;
  crashes: number;
  listened: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface SuperviseOptions {
  readonly count: number;
  readonly graceMs: number;
  readonly logger: Logger;
}

/**
 * The primary of a `--workers N` server: forks N workers, replaces any that dies (with
 * backoff), and on SIGINT/SIGTERM tells every worker to stop gracefully (a second signal:
 * at once), waits for them, logs `Server closed` and resolves with the exit code. It never
 * serves traffic itself. If a worker fails before any worker is listening (port in use,
 * bad address) the primary stops the rest and resolves with 1: that is a start-up error,
 * not a crash to retry.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { count, graceMs, logger } = options;
  const slots: Slot[] = [];
  let stopping = false;
  let anyListened = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve) => {
    const finishIfAllGone = (): void => {
      if (!stopping || slots.some((slot) => slot.worker)) return;
      clearTimeout(killTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (exitCode === 0) logger.info({ workers: count }, 'Server closed');
      resolve(exitCode);
    };

    const stopAll = (stopGraceMs: number): void => {
      stopping = true;
      for (const slot of slots) {
        clearTimeout(slot.restartTimer);
        slot.restartTimer = undefined;
        const message: WorkerMessage = { type: WORKER_MESSAGE.shutdown, graceMs: stopGraceMs };
        if (slot.worker?.isConnected()) slot.worker.send(message);
      }
      clearTimeout(killTimer);
      killTimer = setTimeout(() => {
        for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      }, stopGraceMs + KILL_MARGIN_MS);
      finishIfAllGone();
    };

    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        logger.info({ signal, graceMs }, 'Shutting down');
        stopAll(graceMs);
      } else {
        logger.warn({ signal }, 'Second signal: closing at once');
        stopAll(0);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const fork = (slot: Slot): void => {
      slot.restartTimer = undefined;
      const worker = cluster.fork();
      slot.worker = worker;
      slot.startedAt = Date.now();
      slot.listened = false;
      worker.on('message', (message: unknown) => {
        if (isWorkerMessage(message) && message.type === WORKER_MESSAGE.listening) {
          slot.listened = true;
          anyListened = true;
        }
      });
      worker.on('exit', (code, signal) => onExit(slot, worker, code, signal));
    };

    const onExit = (
      slot: Slot,
      worker: Worker,
      code: number | null,
      signal: string | null,
    ): void => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (stopping) {
        if (code !== 0) exitCode = 1;
        return finishIfAllGone();
      }
      if (!anyListened && !slot.listened) {
        // Nothing ever served: the worker's own stderr line said why (port in use, ...).
        exitCode = 1;
        logger.error({ worker: worker.id, code, signal }, 'Worker failed to start');
        return stopAll(0);
      }
      const livedMs = Date.now() - slot.startedAt;
      slot.crashes = livedMs >= HEALTHY_AFTER_MS ? 1 : slot.crashes + 1;
      const delayMs = Math.min(
        MAX_RESTART_DELAY_MS,
        FIRST_RESTART_DELAY_MS * 2 ** (slot.crashes - 1),
      );
      logger.error(
        { worker: worker.id, code, signal, livedMs, restartInMs: delayMs },
        'Worker exited unexpectedly',
      );
      slot.restartTimer = setTimeout(() => fork(slot), delayMs);
    };

    for (let index = 0; index < count; index++) {
      const slot: Slot = {
        index,
        worker: undefined,
        startedAt: 0,
        crashes: 0,
        listened: false,
        restartTimer: undefined,
      };
      slots.push(slot);
      fork(slot);
    }
  });
}
