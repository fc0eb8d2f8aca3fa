/** Messages between the primary and its workers, over the cluster's IPC channel. */
export const WORKER_MESSAGE = {
  /** worker -> primary: bound and serving. */
  listening: 'netlab:listening',
  /** worker -> primary: could not listen; `message` is the line for the user. */
  failed: 'netlab:failed',
  /** primary -> worker: stop within `graceMs` (0: at once). */
  shutdown: 'netlab:shutdown',
  /** primary -> worker: reload certificate and key (the primary got SIGHUP). */
  reload: 'netlab:reload',
} as const;

export type WorkerMessage =
  | { type: typeof WORKER_MESSAGE.listening }
  | { type: typeof WORKER_MESSAGE.failed; message: string }
  | { type: typeof WORKER_MESSAGE.shutdown; graceMs: number }
  | { type: typeof WORKER_MESSAGE.reload };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (value === null || typeof value !== 'object') return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case WORKER_MESSAGE.listening:
    case WORKER_MESSAGE.reload:
      return true;
    case WORKER_MESSAGE.failed:
      return typeof message.message === 'string';
    case WORKER_MESSAGE.shutdown:
      return typeof message.graceMs === 'number' && message.graceMs >= 0;
    default:
      return false;
  }
}
