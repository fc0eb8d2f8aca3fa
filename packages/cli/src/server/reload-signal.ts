/**
 * SIGHUP, the daemon convention for "read your files again": a TLS server reloads its
 * certificate and key without dropping a connection. Kept apart from the stop signals
 * (StopSwitch): a reload never starts, hastens or delays a stop.
 */
export const RELOAD_SIGNAL = 'SIGHUP';

/**
 * Calls `reload` on every SIGHUP (one at a time: a SIGHUP during a reload runs it again
 * after, so the last rotation is always the one read). Returns a function removing the handler.
 */
export function onReloadSignal(reload: () => Promise<void>): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    running = reload()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const onSignal = (): void => {
    if (running) again = true;
    else run();
  };
  process.on(RELOAD_SIGNAL, onSignal);
  return () => process.off(RELOAD_SIGNAL, onSignal);
}
