import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../flags/flag';
import { formatFor, prettyLines, type LogFormat } from './pretty-lines';

const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;
const GATHER_LOG_BYTES = 1024;
const GATHER_LOG_MS = 50;

export interface AppLogger {
  readonly logger: Logger;
  /** Writes out whatever the asynchronous destination still holds; call before exiting. */
  flush(): void;
  /**
   * Resolves once every line logged so far is written, in order. Where the process can
   * wait (a clean stop), prefer it to `flush`: a synchronous flush while an asynchronous
   * write is still in flight writes the rest first, so lines come out of order
   * (`Server closed` before the `Connection closed` it follows).
   */
  drain(): Promise<void>;
  /**
   * Logs at info whatever the level: for the lines a user must see even at `silent` (where a
   * server listens, which `--port 0` leaves to the OS).
   */
  always(fields: object, msg: string): void;
  /** Calls `listener` for each line dropped because stdout was not read fast enough. */
  onDropped(listener: () => void): void;
}

/**
 * The apps' pino logger. Servers log to stdout through an asynchronous destination, so a
 * log line per message does not block the event loop (flushed on every exit path); clients
 * log to stderr synchronously, because their stdout is the user's screen. `base` fields
 * (`worker` in a cluster) go on every line. Plain pino only:
 * pino transports need a worker file that an esbuild bundle does not carry.
 */
export function createAppLogger(options: {
  name: string;
  level: LogLevel;
  stream: 'stdout' | 'stderr';
  base?: Record<string, unknown>;
  /** `--dump`: its lines are debug lines, so a level above debug is lowered to debug. */
  dump?: boolean;
  /** `--log-format`; absent: pretty at a terminal, JSON otherwise. */
  format?: LogFormat;
}): AppLogger {
  const toStdout = options.stream === 'stdout';
  // Cluster workers share one stdout: a write of one whole line is atomic on a pipe (up to
  // PIPE_BUF), a batch of lines is not and could interleave with another worker's batch.
  const asynchronous = toStdout && !cluster.isWorker;
  const destination = pino.destination({
    fd: toStdout ? 1 : 2,
    sync: !asynchronous,
    ...(asynchronous
      ? {
          // A line a message at info costs a write each unless lines are gathered: write
          // once 1 KiB is waiting, or every 50 ms, whichever comes first. Small on purpose:
          // sonic-boom measures its whole pending chunk (up to maxWrite) on every line, so
          // bigger chunks cost more than the writes they save (measured: 1 KiB chunks of at
          // most 2 KiB gave 0.6 of the warn throughput at info; 4 KiB of 16 KiB gave 0.46).
          minLength: GATHER_LOG_BYTES,
          maxWrite: 2 * GATHER_LOG_BYTES,
          periodicFlush: GATHER_LOG_MS,
          // A reader that stalls (a full pipe) must not make logs an unbounded queue in
          // memory: past this, lines are dropped rather than held.
          maxLength: MAX_BUFFERED_LOG_BYTES,
        }
      : {}),
  });
  // Whatever is still gathered goes out when the process exits, a crash included.
  if (asynchronous) process.on('exit', () => flushNow(destination));
  const terminal = (toStdout ? process.stdout : process.stderr).isTTY === true;
  const format = formatFor(options.format, terminal);
  const logger = pino(
    {
      name: options.name,
      level: effectiveLevel(options.level, options.dump ?? false),
      base: { pid: process.pid, ...options.base },
    },
    format === 'pretty' ? prettyLines(destination, { colors: terminal }) : destination,
  );
  if (asynchronous) reportDroppedLines(destination, logger);
  return {
    logger,
    always: (fields, msg) => {
      const target = logger.isLevelEnabled('info') ? logger : logger.child({}, { level: 'info' });
      target.info(fields, msg);
    },
    onDropped: (listener) => {
      destination.on('drop', listener);
    },
    flush: () => flushNow(destination),
    drain: () =>
      new Promise<void>((resolve) => {
        try {
          destination.flush(() => resolve());
        } catch {
          resolve(); // stdout already closed by the reader: nothing left to save.
        }
      }),
  };
}

function flushNow(destination: { flushSync(): void }): void {
  try {
    destination.flushSync();
  } catch {
    // Nothing buffered, or stdout already closed by the reader: nothing left to save.
  }
}

const DROP_REPORT_EVERY_MS = 1000;

/**
 * Lines dropped because stdout was not read fast enough would otherwise vanish without a
 * trace: once a second, if any were dropped, one warn line says how many.
 */
function reportDroppedLines(destination: NodeJS.EventEmitter, logger: Logger): void {
  let dropped = 0;
  destination.on('drop', () => {
    dropped += 1;
  });
  setInterval(() => {
    if (dropped === 0) return;
    const count = dropped;
    dropped = 0;
    logger.warn({ dropped: count }, 'Log lines dropped: stdout is not read fast enough');
  }, DROP_REPORT_EVERY_MS).unref();
}

const QUIETER_THAN_DEBUG: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info'];

/**
 * `--dump` asks to see every datagram or frame, which are logged at debug: asking for it
 * and seeing nothing (the default level is info) would only puzzle. `silent` stays silent.
 */
export function effectiveLevel(level: LogLevel, dump: boolean): LogLevel {
  return dump && QUIETER_THAN_DEBUG.includes(level) ? 'debug' : level;
}
