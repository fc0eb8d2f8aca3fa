/** The first pause before a crashed worker is started again. */
export const FIRST_RESTART_DELAY_MS = 100;
/** The longest pause: a worker that always crashes is retried every 10 s, not faster. */
export const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran this long counts as healthy: its next crash starts the backoff over. */
export const HEALTHY_AFTER_MS = 10_000;

/**
 * When to start a worker again after it died. The pause doubles with each crash in a row
 * (100 ms, 200 ms, 400 ms, ... 10 s at most), so a crash loop costs a fork every few
 * seconds, not a busy loop of forks; a worker that lived `HEALTHY_AFTER_MS` resets it.
 * One per worker slot: one bad worker does not slow the restart of another.
 */
export class RestartBackoff {
  #crashesInARow = 0;

  /** The pause before the next start of a worker that just died after `livedMs`. */
  next(livedMs: number): number {
    this.#crashesInARow = livedMs >= HEALTHY_AFTER_MS ? 1 : this.#crashesInARow + 1;
    // 2 ** 30 is past the cap already; keeps the exponent finite in a very long crash loop.
    const doublings = Math.min(this.#crashesInARow - 1, 30);
    return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** doublings);
  }
}
