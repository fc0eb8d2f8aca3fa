import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { RestartBackoff } from './restart-backoff';
import { onReloadSignal, RELOAD_SIGNAL } from './reload-signal';
import { StopSwitch } from './stop-switch';
import { WORKER_NUMBER_ENV } from './worker-count';
import { isWorkerMessage, WORKER_MESSAGE, type WorkerMessage } from './worker-messages';

/** Past the grace period (and the workers' own closing), workers that still run are killed. */
const KILL_MARGIN_MS = 2_000;

/** One worker position, 1..N: the worker that fills it now, and its restart history. */
interface Slot {
  readonly number: number;
  readonly backoff: RestartBackoff;
  worker: Worker | undefined;
  startedAt: number;
  listened: boolean;
  /** What the worker said when it could not listen. */
  failure: string | undefined;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface SuperviseOptions {
  /** The app's name, the prefix of the one stderr line when the workers cannot start. */
  readonly name: string;
  readonly count: number;
  readonly graceMs: number;
  /** The primary's logger (its lines carry `worker: 0`). */
  readonly logger: Logger;
  /** Told how many workers listen, and whether a stop has begun, whenever either changes. */
  onChange?(status: { listening: number; stopping: boolean }): void;
  /** On SIGHUP, tell every worker to reload (the workers' servers can). */
  readonly relayReload?: boolean;
}

/**
 * The primary of a `--workers N` server: forks N workers, replaces any that dies (with
 * backoff), and on SIGINT/SIGTERM tells every worker to stop gracefully (a second signal:
 * at once), waits for them, logs `Server closed` and resolves with the exit code. It never
 * serves traffic itself. If a worker fails before any worker is listening (port in use,
 * bad address) that is a start-up error, not a crash to retry: the primary prints the
 * worker's reason as one stderr line, stops the rest, and resolves with 1.
 *
 * Lines about a worker name it as `child: { worker, pid }`: `worker` and `pid` themselves
 * are the primary's own (0 and its pid), on every line it logs.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { name, count, graceMs, logger } = options;
  const slots: Slot[] = [];
  let stopping = false;
  let stopGraceMs = graceMs;
  let anyListened = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;

  const reportChange = (): void => {
    const listening = slots.filter((slot) => slot.worker && slot.listened).length;
    options.onChange?.({ listening, stopping });
  };

  return new Promise<number>((resolve) => {
    const finishIfAllGone = (): void => {
      if (!stopping || slots.some((slot) => slot.worker)) return;
      clearTimeout(killTimer);
      removeSignalHandlers();
      if (exitCode === 0) logger.info({ workers: count }, 'Server closed');
      resolve(exitCode);
    };

    const tellToStop = (worker: Worker): void => {
      const message: WorkerMessage = { type: WORKER_MESSAGE.shutdown, graceMs: stopGraceMs };
      // The callback takes a failed send (the worker is exiting): its exit is handled below.
      if (worker.isConnected()) worker.send(message, ignoreSendError);
    };

    const stopAll = (graceMsNow: number): void => {
      stopping = true;
      reportChange();
      stopGraceMs = graceMsNow;
      for (const slot of slots) {
        clearTimeout(slot.restartTimer);
        slot.restartTimer = undefined;
        if (slot.worker) tellToStop(slot.worker);
      }
      clearTimeout(killTimer);
      killTimer = setTimeout(killStragglers, graceMsNow + KILL_MARGIN_MS);
      finishIfAllGone();
    };

    const killStragglers = (): void => {
      const running = slots.filter((slot) => slot.worker).map(childOf);
      if (running.length === 0) return;
      logger.warn({ children: running }, 'Killing workers still running past the grace period');
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
    };

    const stopSwitch = new StopSwitch({
      graceful: ({ signal, graceMs: graceMsNow }) => {
        logger.info({ signal, graceMs: graceMsNow }, 'Shutting down');
        stopAll(graceMsNow);
      },
      immediate: ({ signal }) => {
        logger.warn({ signal }, 'Second signal: closing at once');
        stopAll(0);
      },
    });
    const removeStopHandlers = stopSwitch.listen(['SIGINT', 'SIGTERM'], graceMs);
    const removeReloadHandler = options.relayReload
      ? onReloadSignal(async () => {
          const workers = slots.filter((slot) => slot.worker?.isConnected());
          logger.info({ signal: RELOAD_SIGNAL, workers: workers.length }, 'Reloading');
          const message: WorkerMessage = { type: WORKER_MESSAGE.reload };
          for (const slot of workers) slot.worker?.send(message, ignoreSendError);
        })
      : undefined;
    const removeSignalHandlers = (): void => {
      removeStopHandlers();
      removeReloadHandler?.();
    };

    const fork = (slot: Slot): void => {
      slot.restartTimer = undefined;
      const worker = cluster.fork({ [WORKER_NUMBER_ENV]: String(slot.number) });
      slot.worker = worker;
      slot.startedAt = Date.now();
      slot.listened = false;
      slot.failure = undefined;
      logger.info({ child: childOf(slot) }, 'Worker started');
      worker.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === WORKER_MESSAGE.listening) {
          slot.listened = true;
          anyListened = true;
          reportChange();
          // A stop sent while the worker was still loading may have found no listener yet.
          if (stopping) tellToStop(worker);
        } else if (message.type === WORKER_MESSAGE.failed) {
          slot.failure = message.message;
        }
      });
      worker.on('error', (error: Error) => {
        logger.warn({ child: childOf(slot), err: error }, 'Worker channel error');
      });
      // 'close', not 'exit': it comes after the IPC channel is drained, so a worker's last
      // message (why it could not listen) has been read by then.
      worker.process.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
        onExit(slot, worker, code, signal),
      );
    };

    const onExit = (
      slot: Slot,
      worker: Worker,
      code: number | null,
      signal: NodeJS.Signals | null,
    ): void => {
      if (slot.worker !== worker) return;
      const child = childOf(slot);
      slot.worker = undefined;
      reportChange();
      if (stopping) {
        if (code !== 0) exitCode = 1;
        return finishIfAllGone();
      }
      if (!anyListened && !slot.listened) {
        // Nothing ever served: as a single process would, say why on one line and exit 1.
        exitCode = 1;
        const reason =
          slot.failure ?? `worker ${slot.number} exited (${code ?? signal}) before listening`;
        process.stderr.write(`${name}: ${reason}\n`);
        return stopAll(0);
      }
      const livedMs = Date.now() - slot.startedAt;
      const restartInMs = slot.backoff.next(livedMs);
      logger.error(
        {
          child,
          code,
          signal,
          livedMs,
          restartInMs,
          ...(slot.failure ? { error: slot.failure } : {}),
        },
        'Worker exited unexpectedly',
      );
      slot.restartTimer = setTimeout(() => fork(slot), restartInMs);
    };

    for (let number = 1; number <= count; number++) {
      const slot: Slot = {
        number,
        backoff: new RestartBackoff(),
        worker: undefined,
        startedAt: 0,
        listened: false,
        failure: undefined,
        restartTimer: undefined,
      };
      slots.push(slot);
      fork(slot);
    }
  });
}

function childOf(slot: Slot): { worker: number; pid: number | undefined } {
  return { worker: slot.number, pid: slot.worker?.process.pid };
}

function ignoreSendError(): void {
  // A worker that cannot be told is exiting already; its exit is what counts.
}
