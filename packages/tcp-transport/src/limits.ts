import { TcpUsageError } from './errors';

/**
 * What one connection, and the server as a whole, may use. Every field has a default.
 * The longest frame is the codec's limit (`lineCodec({ maxLineBytes })`), not one of these:
 * only the codec knows where a frame ends.
 */
export interface TcpLimits {
  /** Connections served at once; one more is told `server busy` and closed. */
  maxConnections: number;
  /** Close a connection with no traffic either way for this long. */
  idleTimeoutMs: number;
  /** Close a connection whose unfinished line has been arriving for this long (slowloris). */
  lineDeadlineMs: number;
  /** Stop reading from a connection once this many reply bytes wait to be sent. */
  maxPendingWriteBytes: number;
  /** Close a connection that stays over `maxPendingWriteBytes` for this long. */
  stuckWriterTimeoutMs: number;
  /**
   * Frames of one connection handed to its session and not answered yet (asynchronous
   * handlers). At the cap the server stops reading that connection until replies are
   * written, so a client pipelining at a slow handler costs bounded memory.
   */
  maxInFlight: number;
}

/**
 * Every limit's default: generous for a real service, bounded against a hostile peer.
 * maxPendingWriteBytes is 64 KiB, not more: the kernel's send buffer (up to 4 MiB on Linux)
 * already sits in front of a client that reads, so a larger budget buys no throughput, while
 * every client that does not read may hold it (10,000 of them: 640 MiB, not 10 GiB at 1 MiB).
 * maxInFlight is 64: enough to keep a store with a few milliseconds of latency busy from one
 * pipelining client, while one connection holds at most 64 frames (and their replies).
 * SECURITY.md at the repository root gives the worst case of each.
 */
export const DEFAULT_LIMITS: Readonly<TcpLimits> = Object.freeze({
  maxConnections: 10_000,
  idleTimeoutMs: 300_000,
  lineDeadlineMs: 30_000,
  maxPendingWriteBytes: 65_536,
  stuckWriterTimeoutMs: 30_000,
  maxInFlight: 64,
});

// setTimeout clamps anything past 2^31-1 ms to 1 ms: a "long" timeout would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/** Fills in defaults and rejects values that would disable a limit by accident. */
export function resolveLimits(limits: Partial<TcpLimits> = {}): TcpLimits {
  const resolved: TcpLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof TcpLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    const max = key.endsWith('Ms') ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new TcpUsageError(
        `limits.${key} must be an integer from 1 to ${max} (got ${String(value)})`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}
