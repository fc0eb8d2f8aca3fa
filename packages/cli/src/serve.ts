import { onShutdownSignals, type ShutdownSignal } from './shutdown-signals';
import type { AppLogger } from './logger';

export interface ServeOptions {
  /** The app's name, the prefix of its one stderr line when it cannot start. */
  readonly name: string;
  readonly log: AppLogger;
  /** How long a graceful stop may take before connections are cut. */
  readonly graceMs: number;
  /** Binds and starts serving. A rejection's message is the line the user sees (exit 1). */
  listen(): Promise<void>;
  /** Stops: answers what was received, closes, logs `Server closed`. 0 ms: at once. */
  close(graceMs: number): Promise<void>;
}

/**
 * A server's life per the SPEC: listen (or one line on stderr and exit 1), serve until
 * SIGINT or SIGTERM, then close within the grace period, or at once on a second signal.
 * Resolves with the exit code once the server is closed and the logs are flushed.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const { log } = options;
  let removeHandlers = (): void => undefined;
  const signalled = new Promise<ShutdownSignal>((resolve) => {
    removeHandlers = onShutdownSignals({
      graceful(signal) {
        resolve(signal);
      },
      immediate(signal) {
        log.logger.warn({ signal }, 'Second signal: closing at once');
        removeHandlers();
        void options.close(0);
      },
    });
  });
  try {
    await options.listen();
  } catch (error) {
    removeHandlers();
    log.flush();
    process.stderr.write(
      `${options.name}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  const signal = await signalled;
  log.logger.info({ signal, graceMs: options.graceMs }, 'Shutting down');
  await options.close(options.graceMs);
  removeHandlers();
  log.flush();
  return 0;
}
