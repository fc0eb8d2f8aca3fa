/**
 * How late this process's event loop has run, in all: time in which it could not read its
 * sockets (a busy core, a long GC pause, the process stopped with SIGSTOP). A verdict on a
 * peer's pace (the UDP rate limit) gives this time back, so that a backlog which waited in the
 * kernel while this process was late is not taken for the peer sending fast.
 */
export interface LoopStalls {
  /**
   * Milliseconds the loop has been late so far, including the turn running now: called
   * first thing after a stall, it already counts the stall (the watching timer has not run).
   */
  lateMs(): number;
  /** Stops watching (the timer goes). */
  stop(): void;
}

/**
 * A timer on an idle loop runs up to a millisecond or so late (about 0.6 ms a turn measured
 * here): counted, that jitter would add up to seconds an hour of "stalls" that never were.
 */
const JITTER_MS = 10;

/**
 * Watches with a timer every `resolutionMs`: each turn it runs more than JITTER_MS later than
 * asked adds that lateness to the total. The timer is unref'd: it never keeps a process
 * alive. A stall shorter than the resolution is mostly missed, which is why it stays small;
 * 50 ms is 20 wake-ups a second.
 */
export function watchLoopStalls(
  resolutionMs = 50,
  now: () => number = () => performance.now(),
): LoopStalls {
  let lateMs = 0;
  let dueAt = now() + resolutionMs;
  const lateness = (at: number) => (at - dueAt > JITTER_MS ? at - dueAt : 0);
  const timer = setInterval(() => {
    const at = now();
    lateMs += lateness(at);
    dueAt = at + resolutionMs;
  }, resolutionMs);
  timer.unref();
  return {
    lateMs: () => lateMs + lateness(now()),
    stop: () => clearInterval(timer),
  };
}
