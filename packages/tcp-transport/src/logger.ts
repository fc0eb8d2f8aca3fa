/** The slice of pino's API the transport uses; pass a pino logger (or a child) as it is. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** pino's check; when present, per-line events are built only if their level is on. */
  isLevelEnabled?(level: string): boolean;
}

function ignore(): void {
  // The package is silent unless the caller injects a logger.
}

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
