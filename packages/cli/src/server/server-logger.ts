import type { LogLevel } from '../flags/flag';
import { createAppLogger, type AppLogger } from '../logging/app-logger';
import type { LogFormat } from '../logging/pretty-lines';
import { resolveWorkerCount, workerField, type WorkersOption } from './worker-count';

/**
 * What both servers set up before `serve`: how many processes `--workers` means, and the
 * stdout logger whose every line names its worker when there are several.
 */
export function createServerLogger(
  name: string,
  options: {
    logLevel: LogLevel;
    dump: boolean;
    workers: WorkersOption;
    logFormat?: LogFormat | undefined;
  },
): { log: AppLogger; workers: number } {
  const workers = resolveWorkerCount(options.workers);
  const log = createAppLogger({
    name,
    level: options.logLevel,
    dump: options.dump,
    stream: 'stdout',
    format: options.logFormat,
    base: { worker: workerField(workers) },
  });
  return { log, workers };
}
