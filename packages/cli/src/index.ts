export { LOG_LEVELS, describeParseError, flag, flagName, formatUsage, parseFlags } from './flags';
export type { Flag, FlagSpec, FlagValues, LogLevel, ParsedArgs } from './flags';
export { createAppLogger } from './logger';
export type { AppLogger } from './logger';
export { runCli } from './run-cli';
export type { CliApp } from './run-cli';
export { onShutdownSignals } from './shutdown-signals';
export type { ShutdownSignal } from './shutdown-signals';
export { PROMPT, REPLY_PREFIX, openKeyboard } from './keyboard';
export type { Keyboard } from './keyboard';
export { createServerLogger, serve } from './serve';
export type { ServeOptions } from './serve';
export {
  isWorkerMessage,
  resolveWorkerCount,
  superviseWorkers,
  workerField,
  WORKER_MESSAGE,
  WORKER_NUMBER_ENV,
} from './workers';
export {
  FIRST_RESTART_DELAY_MS,
  HEALTHY_AFTER_MS,
  MAX_RESTART_DELAY_MS,
  RestartBackoff,
} from './restart-backoff';
export type { SuperviseOptions, WorkerMessage, WorkersOption } from './workers';
