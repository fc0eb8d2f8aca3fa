import type { Socket } from 'node:dgram';
import type { TrafficTap } from '@netlab/protocol';
import type { Peer } from './datagram-dump';

const WILDCARD = new Set(['0.0.0.0', '::']);
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * This socket's own address as a capture shows it. A server bound to every interface
 * (`0.0.0.0`, `::`) is not told which one a datagram came in on; for a loopback sender
 * the answer can only be loopback, so the sender's address stands in for it. Otherwise the
 * wildcard is what the capture shows.
 */
export function localEndpoint(socket: Socket, remote: Peer): Peer {
  const { address, port } = socket.address();
  return WILDCARD.has(address) && LOOPBACK.test(remote.address)
    ? { address: remote.address, port }
    : { address, port };
}

/** Hands one datagram to `tap` (for `--pcap`) with both ends' addresses. */
export function tapDatagram(
  tap: TrafficTap,
  socket: Socket,
  direction: 'in' | 'out',
  remote: Peer,
  bytes: Uint8Array,
): void {
  tap({ transport: 'udp', direction, local: localEndpoint(socket, remote), remote, bytes });
}
