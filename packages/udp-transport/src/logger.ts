/** The slice of pino's API the transport uses; pass a pino logger (or a child) as it is. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

function ignore(): void {
  // The package is silent unless the caller injects a logger.
}

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
