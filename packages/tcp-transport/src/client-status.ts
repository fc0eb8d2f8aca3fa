import type { RandomSource } from '@netlab/protocol';
import { TcpUsageError, type TcpConnectionLostError } from './errors';

/** The kinds of status change a TcpClient reports through `onStatus`. */
export const TCP_CLIENT_STATUS = {
  /** The first connection is up (connectTcp is about to resolve). */
  connected: 'connected',
  /** The connection ended without our asking; requests in flight were rejected. */
  lost: 'lost',
  /** An attempt to connect again is due after `delayMs`. */
  reconnecting: 'reconnecting',
  /** A new connection is up: a new session on the server; queued requests go out on it. */
  reconnected: 'reconnected',
  /** Every attempt failed: the client is closed. */
  gaveUp: 'gave up',
} as const;

/** What happened to a TcpClient's connection, one change at a time. */
export type TcpClientStatus =
  | { type: typeof TCP_CLIENT_STATUS.connected }
  | {
      type: typeof TCP_CLIENT_STATUS.lost;
      /** Why: the server closed or reset the connection; `unanswered` requests were rejected with it. */
      error: TcpConnectionLostError;
    }
  | {
      type: typeof TCP_CLIENT_STATUS.reconnecting;
      /** 1 for the first attempt after the loss. */
      attempt: number;
      /** The wait before this attempt, drawn with full jitter below the attempt's ceiling. */
      delayMs: number;
      /** Why the connection is down: the loss (attempt 1) or the previous attempt's failure. */
      error: Error;
    }
  | { type: typeof TCP_CLIENT_STATUS.reconnected; attempt: number }
  | { type: typeof TCP_CLIENT_STATUS.gaveUp; attempts: number; error: Error };

/** How a client connects again after a lost connection (connectTcp's `reconnect`). */
export interface TcpReconnectOptions {
  /** The ceiling of the first wait, in ms, doubled for each later attempt. Default 100. */
  initialDelayMs?: number;
  /** No wait is longer than this, in ms. Default 5000. */
  maxDelayMs?: number;
  /** Attempts after one loss before giving up (the client then closes). Default 10. */
  maxAttempts?: number;
  /** Numbers in [0, 1) for the jitter; Math.random by default (a test passes a fixed one). */
  random?: RandomSource;
}

/** The reconnect options with every default filled in. */
export type ResolvedReconnect = Required<TcpReconnectOptions>;

/** What `reconnect: {}` means. */
export const DEFAULT_RECONNECT: Readonly<Omit<ResolvedReconnect, 'random'>> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  maxAttempts: 10,
});

// setTimeout clamps anything past 2^31-1 ms to 1 ms: a "long" wait would fire at once.
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Fills in the defaults; a value out of range throws TcpUsageError naming it. */
export function resolveReconnect(options: TcpReconnectOptions): ResolvedReconnect {
  const resolved: ResolvedReconnect = { ...DEFAULT_RECONNECT, random: Math.random, ...options };
  const check = (key: 'initialDelayMs' | 'maxDelayMs' | 'maxAttempts', max: number): void => {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new TcpUsageError(
        `reconnect.${key} must be an integer from 1 to ${max} (got ${String(value)})`,
      );
    }
  };
  check('initialDelayMs', MAX_TIMER_MS);
  check('maxDelayMs', MAX_TIMER_MS);
  check('maxAttempts', Number.MAX_SAFE_INTEGER);
  if (resolved.maxDelayMs < resolved.initialDelayMs) {
    throw new TcpUsageError(
      `reconnect.maxDelayMs (${resolved.maxDelayMs}) must be at least reconnect.initialDelayMs (${resolved.initialDelayMs})`,
    );
  }
  return resolved;
}
