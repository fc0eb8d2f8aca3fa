/**
 * The logger the transports accept: the slice of pino's API they call, so a pino logger
 * (or a child) is passed as it is. Defined here, once, for both transports; this package
 * itself never logs.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** pino's check; when present, per-message events are built only if their level is on. */
  isLevelEnabled?(level: string): boolean;
}

function ignore(): void {
  // The packages are silent unless the caller injects a logger.
}

/** What a transport logs to when the caller gives it no logger: nothing. */
export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  isLevelEnabled: () => false,
};

/** Whether `level` is on; a logger without `isLevelEnabled` is taken to log everything. */
export function levelEnabled(logger: Logger, level: 'debug' | 'info'): boolean {
  return logger.isLevelEnabled ? logger.isLevelEnabled(level) : true;
}
