import type { Socket } from 'node:net';
import { afterPendingIo } from '@netlab/transport-core';
import { CLOSE_REASON, type CloseReason } from './session';

/** Why a connection gets no session: the one line it is told, and how its close is logged. */
export interface Refusal {
  readonly notice: string;
  readonly reason: CloseReason;
  readonly detail?: string;
}

/** Past `maxConnections`. */
export const SERVER_BUSY: Refusal = {
  notice: 'Error: server busy',
  reason: CLOSE_REASON.serverBusy,
};

/** `proxyProtocol` on, and no valid PROXY header: not the balancer speaking. */
export const NO_PROXY_HEADER: Refusal = {
  notice: 'Error: PROXY protocol header expected',
  reason: CLOSE_REASON.reset,
  detail: 'proxy header',
};

/** How long a refused peer gets to read its one-line notice and close. */
const REFUSAL_LINGER_MS = 1_000;

/**
 * Refuses a connection: its notice (already encoded; none when the codec has no text form)
 * is written, our side ended, and whatever the peer sends is read and dropped so its FIN is
 * seen; a peer that never closes is cut after the linger. Logging its close is the caller's.
 */
export function refuse(socket: Socket, notice: Uint8Array | undefined): void {
  if (notice) socket.write(notice);
  socket.end();
  socket.on('data', ignoreData);
  socket.resume();
  // The peer's FIN, or its reading of the notice, may be waiting on a late server.
  const linger = setTimeout(() => afterPendingIo(() => socket.destroy()), REFUSAL_LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
}

function ignoreData(): void {
  // A refused peer's bytes are read only to see its FIN.
}
