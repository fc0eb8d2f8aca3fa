import { afterPendingIo } from '@netlab/transport-core';

/**
 * Waits until the wake-up handed to `setWake` is called (something came from the server) or
 * `ms` pass. The time is judged after this process has read what already reached its socket
 * (afterPendingIo): a grader late itself on a busy machine must not time out a reply that
 * waited in its own buffer, and blame the server for it.
 */
export function untilWokenOrAfter(ms: number, setWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let verdict: NodeJS.Immediate | undefined;
    const timer = setTimeout(() => (verdict = afterPendingIo(resolve)), ms);
    setWake(() => {
      clearTimeout(timer);
      clearImmediate(verdict);
      resolve();
    });
  });
}
