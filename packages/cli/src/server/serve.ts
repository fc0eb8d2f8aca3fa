import cluster from 'node:cluster';
import type { AppLogger } from '../logging/app-logger';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics/metrics-endpoint';
import {
  clusterExposition,
  countInThisProcess,
  localExposition,
  type MetricsOptions,
} from './metrics/process-metrics';
import { onReloadSignal } from './reload-signal';
import { STOP_STATE, StopSwitch } from './stop-switch';
import { superviseWorkers } from './supervise-workers';
import { isWorkerMessage, WORKER_MESSAGE, type WorkerMessage } from './worker-messages';

/** Where a server listens: the fields of its `Listening at` line. */
export type ListeningAt =
  { transport: 'tcp' | 'udp'; address: string; port: number } | { transport: 'tcp'; path: string };

export interface ServeOptions {
  /** The app's name, the prefix of its one stderr line when it cannot start. */
  readonly name: string;
  readonly log: AppLogger;
  /** How long a graceful stop may take before connections are cut. */
  readonly graceMs: number;
  /** Server processes (`--workers`): more than 1 runs a node:cluster primary and N workers. */
  readonly workers?: number;
  /**
   * `--metrics-port`: an HTTP endpoint with /metrics, /healthz and /readyz, served by the
   * lone server or (with workers) by the primary for all of them.
   */
  readonly metrics?: MetricsOptions;
  /**
   * Binds and starts serving; resolves with where. A rejection's message is the line the
   * user sees (exit 1).
   */
  listen(): Promise<ListeningAt>;
  /** Stops: answers what was received, closes, logs `Server closed`. 0 ms: at once. */
  close(graceMs: number): Promise<void>;
  /**
   * Called on SIGHUP (with workers: in every worker, the primary relays it): reads files
   * again, e.g. a rotated TLS certificate. It logs its own outcome. Without it, SIGHUP
   * keeps its default.
   */
  reload?(): Promise<void>;
}

/**
 * A server's life per docs/contract.md: listen (or one line on stderr and exit 1), serve until
 * SIGINT or SIGTERM, then close within the grace period, or at once on a second signal.
 * Resolves with the exit code once the server is closed and the logs are flushed.
 *
 * With `workers` > 1 this process becomes the cluster's primary, which supervises and never
 * listens; each worker runs this same function and serves.
 */
export async function serve(options: ServeOptions): Promise<number> {
  if (cluster.isPrimary && (options.workers ?? 1) > 1) return servePrimary(options);
  return cluster.isWorker ? serveAsWorker(options) : serveAlone(options);
}

/**
 * The primary of `--workers N`: supervises, and serves the metrics endpoint for the whole
 * cluster (ready while at least one worker listens and no stop has begun).
 */
async function servePrimary(options: ServeOptions): Promise<number> {
  let listeningWorkers = 0;
  let stopping = false;
  const endpoint = await openMetricsEndpoint(options, {
    exposition: clusterExposition(),
    ready: () => listeningWorkers > 0 && !stopping,
  });
  if (endpoint === 'failed') return 1;
  const code = await superviseWorkers({
    name: options.name,
    count: options.workers ?? 1,
    graceMs: options.graceMs,
    logger: options.log.logger,
    relayReload: options.reload !== undefined,
    onChange: (status) => {
      listeningWorkers = status.listening;
      stopping = status.stopping;
    },
  });
  await endpoint?.close();
  await options.log.drain();
  return code;
}

/**
 * Starts `--metrics-port`'s endpoint, if asked for, and says where it listens at every log
 * level. 'failed': it could not listen, the user was told on stderr (exit 1).
 */
async function openMetricsEndpoint(
  options: ServeOptions,
  serving: {
    exposition: () => Promise<{ contentType: string; body: string }>;
    ready: () => boolean;
  },
): Promise<MetricsEndpoint | undefined | 'failed'> {
  if (!options.metrics) return undefined;
  try {
    const endpoint = await startMetricsEndpoint({
      host: options.metrics.host,
      port: options.metrics.port,
      metrics: serving.exposition,
      ready: serving.ready,
    });
    options.log.always({ ...endpoint.address }, 'Metrics at');
    return endpoint;
  } catch (error) {
    options.log.flush();
    process.stderr.write(`${options.name}: ${error instanceof Error ? error.message : error}\n`);
    return 'failed';
  }
}

/** What differs between a lone server and a cluster worker around listen. */
interface ListenHooks {
  /** Bound: a worker tells the primary. */
  listening?(): void;
  /** Could not listen: `reason` is the line the user sees (exit 1). */
  failed(reason: string): Promise<void>;
}

async function serveAlone(options: ServeOptions): Promise<number> {
  const { stopSwitch, stopRequested } = createStop(options);
  const removeHandlers = stopSwitch.listen(['SIGINT', 'SIGTERM'], options.graceMs);
  let listening = false;
  if (options.metrics) countInThisProcess(options.metrics, options.log, false);
  // Up before the server listens: /healthz answers while it starts, /readyz says not yet.
  const endpoint = await openMetricsEndpoint(options, {
    exposition: localExposition,
    ready: () => listening && stopSwitch.state === STOP_STATE.running,
  });
  if (endpoint === 'failed') {
    removeHandlers();
    return 1;
  }
  const removeReload = options.reload ? onReloadSignal(options.reload) : noop;
  const code = await listenThenServe(options, stopRequested, {
    listening: () => {
      listening = true;
    },
    failed: async (reason) => {
      options.log.flush();
      process.stderr.write(`${options.name}: ${reason}\n`);
    },
  });
  removeReload();
  await endpoint?.close();
  removeHandlers();
  return code;
}

/**
 * A cluster worker stops when the primary says so (it relays the user's signals). Ctrl+C
 * at a terminal reaches every process of the group, workers included: they leave it to the
 * primary, or a single Ctrl+C would count twice. SIGTERM sent to the worker itself stops
 * it gracefully, a second one at once; the primary's request and a SIGTERM to the whole
 * group (systemd's default) are one stop, not two (see StopSwitch).
 * A worker that cannot listen tells the primary why rather than printing it: with N
 * workers the user would otherwise read the same line N times.
 */
async function serveAsWorker(options: ServeOptions): Promise<number> {
  const { stopSwitch, stopRequested } = createStop(options);
  const { reload } = options;
  const onMessage = (message: unknown): void => {
    if (!isWorkerMessage(message)) return;
    if (message.type === WORKER_MESSAGE.shutdown) stopSwitch.request({ graceMs: message.graceMs });
    else if (message.type === WORKER_MESSAGE.reload) void reload?.().catch(noop);
  };
  process.on('message', onMessage);
  // A SIGHUP to the worker itself (or to the whole group) reloads it too: reading the
  // files twice is harmless, dying of SIGHUP's default action would not be.
  if (reload) onReloadSignal(reload);
  stopSwitch.listen(['SIGTERM'], options.graceMs, ['SIGINT']);
  if (options.metrics) countInThisProcess(options.metrics, options.log, true);
  const code = await listenThenServe(options, stopRequested, {
    listening: () => tellPrimary({ type: WORKER_MESSAGE.listening }),
    failed: (reason) => tellPrimary({ type: WORKER_MESSAGE.failed, message: reason }),
  });
  // The IPC channel to the primary would keep this process alive: end it ourselves.
  process.exit(code);
}

/**
 * The stop of one serving process: the first request logs `Shutting down` and lets
 * `listenThenServe` close within its grace; a later one at once closes without waiting.
 */
function createStop(options: ServeOptions): {
  stopSwitch: StopSwitch;
  stopRequested: Promise<number>;
} {
  let stop!: (graceMs: number) => void;
  const stopRequested = new Promise<number>((resolve) => (stop = resolve));
  const stopSwitch = new StopSwitch({
    graceful: ({ graceMs, signal }) => {
      options.log.logger.info({ ...(signal ? { signal } : {}), graceMs }, 'Shutting down');
      stop(graceMs);
    },
    immediate: ({ signal }) => {
      options.log.logger.warn(
        { ...(signal ? { signal } : {}) },
        signal ? 'Second signal: closing at once' : 'Closing at once',
      );
      void options.close(0);
    },
  });
  return { stopSwitch, stopRequested };
}

function noop(): void {
  // Nothing to undo.
}

/** Resolves once the message is handed to the channel (or the channel is gone). */
function tellPrimary(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function listenThenServe(
  options: ServeOptions,
  stopRequested: Promise<number>,
  hooks: ListenHooks,
): Promise<number> {
  const { log } = options;
  let listeningAt: ListeningAt;
  try {
    listeningAt = await options.listen();
  } catch (error) {
    await hooks.failed(error instanceof Error ? error.message : String(error));
    return 1;
  }
  hooks.listening?.();
  // The transport logs `Listening at` at info. With --port 0 the user must learn the port
  // whatever the level (warn, error, silent): below info, it is written here instead.
  if (!log.logger.isLevelEnabled('info')) log.always(listeningAt, 'Listening at');
  // `Listening at` is the line people and tools wait for: write it now, not in 50 ms.
  void log.drain();
  const graceMs = await stopRequested;
  await options.close(graceMs);
  await log.drain();
  return 0;
}
