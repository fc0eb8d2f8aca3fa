import { describeBytes, type Logger } from '@netlab/protocol';

/** The other side of a datagram: an IP address and a port. */
export interface Peer {
  /** IPv4 or IPv6 address, as the socket reports it. */
  address: string;
  port: number;
}

/** `--dump`: one debug line per datagram, with bounded text and hex views of its bytes. */
export function dumpDatagram(
  logger: Logger,
  direction: 'in' | 'out',
  peer: Peer,
  bytes: Uint8Array,
): void {
  const { length, text, hex, truncated } = describeBytes(bytes);
  logger.debug({ direction, peer, length, text, hex, truncated }, 'Datagram');
}
