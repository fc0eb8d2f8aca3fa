/**
 * Runs `verdict` once the event loop has read what the kernel already holds for it.
 *
 * A timer that judges a peer (a server's line deadline, idle time, stuck writer or PROXY
 * header deadline; a client's wait for a reply) runs before I/O in Node's loop. When this
 * process itself was late (a busy core, a long GC pause, the process stopped), the peer's
 * bytes, FIN or reads may have been waiting in the kernel the whole time, and a verdict
 * given at once would blame the peer for this process's delay. `setImmediate` runs after the next poll phase, which reads
 * what is pending: a verdict checked again there judges only time spent waiting for the
 * peer. A peer that really is slow is still cut, one loop turn later.
 */
export function afterPendingIo(verdict: () => void): NodeJS.Immediate {
  return setImmediate(verdict);
}

/**
 * Resolves after a poll phase that began after this call, wherever in the loop it is
 * called. From an I/O callback (a signal's, say) the loop is inside a poll phase already,
 * and one `setImmediate` would run right after it, before any further read: the second runs
 * after the next poll phase, which reads what the kernel holds by then.
 */
export function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
