/**
 * The logger the transports accept: the slice of pino's API they call, so a pino logger
 * (or a child) is passed as it is. Defined here, once, for both transports; they never
 * create a logger of their own.
 */
export interface Logger {
  /** Per-datagram and per-frame detail (`dump`), client retries. */
  debug(obj: object, msg: string): void;
  /** The contract's events: `Listening at`, `Received message from client`, `Connection closed`, ... */
  info(obj: object, msg: string): void;
  /** Trouble with one peer that the server survives (a malformed envelope, a failed send). */
  warn(obj: object, msg: string): void;
  /** A handler or session that threw. */
  error(obj: object, msg: string): void;
  /** pino's check; when present, per-message events are built only if their level is on. */
  isLevelEnabled?(level: string): boolean;
  /**
   * pino's child: a logger whose lines all carry `bindings`, serialised once. When present,
   * a transport logs a connection's per-message lines through one, so the connection's
   * fields are not turned into JSON again for every message.
   */
  child?(bindings: object): Logger;
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
