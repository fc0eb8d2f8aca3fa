import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How often the monitor's timer asks to run: each turn later than this is lateness. */
const RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

/** How late one thread's event loop ran, for the report. */
export interface LoopDelayFigures {
  /** The thread: `main` (server logs, RSS) or `shard N` (clients and proxies). */
  thread: string;
  /** How much later than asked a 10 ms timer ran: median, 99th percentile, worst. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** All that lateness added up, as a share of the thread's run: the time it was not keeping up. */
  lateShare: number;
}

/**
 * The lateness of this thread's event loop (perf_hooks.monitorEventLoopDelay). The soak's
 * clients and fault proxies share their thread's loop: while it is late, replies wait in the
 * kernel unread and the proxies forward nothing, and a reply timeout that counted that time
 * would blame the server for the soak's own delay. `lateMs()` lets a wait add that time back
 * (see `patiently`), and the report shows it beside the results.
 */
export class LoopLateness {
  readonly #thread: string;
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #started = performance.now();
  #final: LoopDelayFigures | undefined;

  constructor(thread: string) {
    this.#thread = thread;
    this.#histogram.enable();
  }

  /**
   * Milliseconds this loop has run late so far, in all. The monitor records each interval
   * between its timer's turns; what exceeds the asked-for 10 ms is lateness.
   */
  lateMs(): number {
    const { count, mean } = this.#histogram;
    return count === 0 ? 0 : (count * (mean - RESOLUTION_MS * NS_PER_MS)) / NS_PER_MS;
  }

  figures(): LoopDelayFigures {
    if (this.#final) return this.#final;
    const histogram = this.#histogram;
    const late = (ns: number) => round(Math.max(0, ns / NS_PER_MS - RESOLUTION_MS));
    const elapsedMs = performance.now() - this.#started;
    return {
      thread: this.#thread,
      p50Ms: histogram.count === 0 ? 0 : late(histogram.percentile(50)),
      p99Ms: histogram.count === 0 ? 0 : late(histogram.percentile(99)),
      maxMs: histogram.count === 0 ? 0 : late(histogram.max),
      lateShare: elapsedMs > 0 ? Math.round((this.lateMs() / elapsedMs) * 1000) / 1000 : 0,
    };
  }

  /** Stops measuring (the monitor's timer goes) and keeps the final figures. */
  stop(): LoopDelayFigures {
    this.#final = this.figures();
    this.#histogram.disable();
    return this.#final;
  }
}

/**
 * Waits with `attempt(ms)` for up to `budgetMs` of time in which this thread kept up: when
 * the attempt times out, the time its own loop was late meanwhile is given again, until an
 * attempt times out with the loop on time (under 100 ms lost). Anything but a timeout is
 * rethrown at once.
 */
export async function patiently<T>(
  lateness: Pick<LoopLateness, 'lateMs'>,
  budgetMs: number,
  attempt: (ms: number) => Promise<T>,
  timedOut: (error: unknown) => boolean,
): Promise<T> {
  let waitMs = budgetMs;
  let givenAgainMs = 0;
  for (;;) {
    const lateBefore = lateness.lateMs();
    try {
      return await attempt(waitMs);
    } catch (error) {
      const lostMs = lateness.lateMs() - lateBefore;
      if (!timedOut(error) || lostMs < LOST_MS_WORTH_WAITING_FOR) {
        if (givenAgainMs > 0 && error instanceof Error) {
          error.message += ` (after ${budgetMs} ms and ${givenAgainMs} ms more: the soak's own lateness meanwhile)`;
        }
        throw error;
      }
      waitMs = Math.ceil(lostMs);
      givenAgainMs += waitMs;
    }
  }
}

const LOST_MS_WORTH_WAITING_FOR = 100;

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
