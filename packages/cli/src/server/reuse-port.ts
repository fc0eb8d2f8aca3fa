import type { WorkersOption } from './worker-count';

/** The flags --reuse-port is weighed against. */
export interface ReusePortFlags {
  readonly reusePort: boolean;
  readonly port: number;
  readonly workers: WorkersOption;
  /** tcp-server's --path (a Unix socket), when given. */
  readonly path?: string;
}

/**
 * Why these flags cannot go with --reuse-port, or undefined. With --reuse-port each worker
 * binds a socket of its own, so `--port 0` would give each its own port; and a Unix socket
 * path has no port to share.
 */
export function reusePortConflict(flags: ReusePortFlags): string | undefined {
  if (!flags.reusePort) return undefined;
  if (flags.path !== undefined) return '--reuse-port shares a port; it does not apply to --path';
  if (flags.port === 0 && flags.workers !== 1) {
    return '--reuse-port with --workers needs a --port other than 0 (each worker binds its own socket, and would get a port of its own)';
  }
  return undefined;
}
