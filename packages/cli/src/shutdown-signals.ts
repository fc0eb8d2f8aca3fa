export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/**
 * The SPEC's stop: the first SIGINT or SIGTERM asks for a graceful shutdown, a second one
 * for an immediate one. Returns a function that removes the handlers.
 */
export function onShutdownSignals(handlers: {
  graceful(signal: ShutdownSignal): void;
  immediate(signal: ShutdownSignal): void;
}): () => void {
  let received = 0;
  const onSignal = (signal: ShutdownSignal): void => {
    received += 1;
    if (received === 1) handlers.graceful(signal);
    else handlers.immediate(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
