import type { Socket } from 'node:net';
import { ProxyHeaderDecoder, type ProxyHeader } from '@netlab/protocol';
import { afterPendingIo } from '@netlab/transport-core';

/** How reading the PROXY header of a connection ended. */
export type ProxyHeaderOutcome =
  | {
      ok: true;
      header: ProxyHeader;
      /** Bytes after the header: the first of the client's stream. */
      rest: Buffer;
    }
  | {
      ok: false;
      /** What was wrong, for the log: `no PROXY header within 30000 ms`, ... */
      problem: string;
      /** The peer is gone already (ended, reset): nothing can be said to it. */
      gone: boolean;
    };

/**
 * Reads the PROXY protocol header (v1 or v2) that a load balancer sends first on a
 * connection, before anything else touches the socket. Calls `done` once: with the header
 * and the bytes after it, or with the problem (not a header, no header within
 * `deadlineMs` of the connection, or the peer left first). On success the socket is
 * paused with its own listeners removed, ready for the connection to take over (the caller
 * unshifts `rest` and resumes). A callback rather than a promise: the caller must own the
 * socket's error handling in the same tick, or a reset in between would go unhandled.
 */
export function readProxyHeader(
  socket: Socket,
  deadlineMs: number,
  done: (outcome: ProxyHeaderOutcome) => void,
): void {
  const decoder = new ProxyHeaderDecoder();
  const finish = (outcome: ProxyHeaderOutcome): void => {
    clearTimeout(timer);
    clearImmediate(verdict);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onError);
    socket.off('close', onClose);
    done(outcome);
  };
  const onData = (chunk: Buffer): void => {
    let result;
    try {
      result = decoder.push(chunk);
    } catch (error) {
      socket.pause();
      return finish({ ok: false, problem: problemOf(error), gone: false });
    }
    if (result) {
      socket.pause();
      finish({ ok: true, header: result.header, rest: result.rest });
    }
  };
  const onEnd = (): void =>
    finish({ ok: false, problem: 'the connection ended before its PROXY header', gone: true });
  const onClose = onEnd;
  const onError = (error: NodeJS.ErrnoException): void =>
    finish({
      ok: false,
      problem: `the connection failed before its PROXY header (${error.code ?? error.message})`,
      gone: true,
    });
  let verdict: NodeJS.Immediate | undefined;
  // The header may be waiting in the kernel while this server was late: read it first.
  const timer = setTimeout(() => {
    verdict = afterPendingIo(() =>
      finish({ ok: false, problem: `no PROXY header within ${deadlineMs} ms`, gone: false }),
    );
  }, deadlineMs);
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function problemOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
