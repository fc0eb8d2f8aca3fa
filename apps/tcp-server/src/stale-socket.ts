import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';

/**
 * A server that died without closing leaves its Unix socket file behind, and listening on
 * that path then fails with "address already in use". This removes such a file, and only
 * such a file: a path that is not a socket, or a socket some server still answers on, is
 * left alone, so listen reports it in use rather than stealing the address of a live server.
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch {
    // Nothing there (or nothing we may look at): listen says what is wrong, if anything.
    return;
  }
  if (!isSocket || (await someoneAnswers(path))) return;
  await unlink(path).catch(() => undefined);
}

/** Connects and hangs up at once; only "connection refused" proves nobody listens. */
function someoneAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code !== 'ECONNREFUSED');
    });
  });
}
