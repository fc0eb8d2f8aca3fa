export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/** Where signals come from: `process`, or (in a test) any emitter that stands in for it. */
export interface SignalSource {
  on(signal: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
  off(signal: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
}

/** Where a server process stands on its way out. */
export const STOP_STATE = {
  /** Serving; no stop asked for yet. */
  running: 'running',
  /** A graceful stop is under way: what was received is answered within the grace period. */
  draining: 'draining',
  /** Closing at once: a second signal, or a stop asked for with no grace. */
  closingAtOnce: 'closing at once',
} as const;
export type StopState = (typeof STOP_STATE)[keyof typeof STOP_STATE];

/** Who asked to stop: a signal to this process, or (in a cluster worker) the primary. */
export interface StopRequest {
  readonly graceMs: number;
  readonly signal?: ShutdownSignal;
}

export interface StopHandlers {
  /** The first request: stop within `request.graceMs`. */
  graceful(request: StopRequest): void;
  /** A later request with no grace (a second signal): close at once. Called at most once. */
  immediate(request: StopRequest): void;
}

/**
 * The contract's stop (docs/contract.md), written once for the lone server, the cluster primary and its workers:
 * the first request is graceful, a later one with no grace closes at once, and any other
 * request (a second graceful one) changes nothing. The same stop asked for twice by
 * different routes (the primary's message and systemd's SIGTERM to the whole group) is
 * thus one stop, never a cut-short grace period.
 */
export class StopSwitch {
  #state: StopState = STOP_STATE.running;
  readonly #handlers: StopHandlers;
  readonly #listeners = new Set<(state: StopState) => void>();

  constructor(handlers: StopHandlers) {
    this.#handlers = handlers;
  }

  get state(): StopState {
    return this.#state;
  }

  /** Called on every change of state (e.g. readiness turns false from `draining` on). */
  onChange(listener: (state: StopState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  request(request: StopRequest): void {
    if (this.#state === STOP_STATE.running) {
      this.#enter(request.graceMs === 0 ? STOP_STATE.closingAtOnce : STOP_STATE.draining);
      this.#handlers.graceful(request);
    } else if (this.#state === STOP_STATE.draining && request.graceMs === 0) {
      this.#enter(STOP_STATE.closingAtOnce);
      this.#handlers.immediate(request);
    }
  }

  /**
   * Turns `signals` into requests: the first one received asks for `graceMs`, every later
   * one (of any of them) for a stop at once. `ignored` signals are caught and dropped (a
   * cluster worker leaves Ctrl+C, which reaches the whole process group, to the primary).
   * Returns a function that removes the handlers. `source` is `process` but for tests.
   */
  listen(
    signals: readonly ShutdownSignal[],
    graceMs: number,
    ignored: readonly ShutdownSignal[] = [],
    source: SignalSource = process,
  ): () => void {
    let received = 0;
    const onSignal = (signal: ShutdownSignal): void => {
      received += 1;
      this.request({ graceMs: received === 1 ? graceMs : 0, signal });
    };
    const ignore = (): void => undefined;
    for (const signal of signals) source.on(signal, onSignal);
    for (const signal of ignored) source.on(signal, ignore);
    return () => {
      for (const signal of signals) source.off(signal, onSignal);
      for (const signal of ignored) source.off(signal, ignore);
    };
  }

  #enter(state: StopState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}
