import { once, type EventEmitter } from 'node:events';

/**
 * Why `waitForEvent` gave up: the signal fired first. Carries the signal's reason as
 * `cause`; the transports turn it into their own abort error.
 */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
  readonly code = 'ABORT_ERR';

  constructor(options?: { cause?: unknown }) {
    super('The wait was aborted', options);
  }
}

/**
 * Waits for `event` on `emitter` (`'listening'`, `'connect'`, ...): resolves with its
 * arguments; rejects with the emitter's error if `'error'` comes first, or with
 * WaitAbortedError if `signal` fires first (or had fired). Every listener it added is
 * removed either way. One helper for every place a transport waits to be bound or
 * connected, instead of an once/once/abort block written out at each.
 */
export async function waitForEvent(
  emitter: EventEmitter,
  event: string,
  signal?: AbortSignal,
): Promise<unknown[]> {
  try {
    return await once(emitter, event, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted && (error as { name?: unknown } | undefined)?.name === 'AbortError') {
      throw new WaitAbortedError({ cause: signal.reason });
    }
    throw error;
  }
}
