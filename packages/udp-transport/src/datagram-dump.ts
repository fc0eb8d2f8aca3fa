import { describeBytes, type Logger, LOG_EVENT } from '@netlab/transport-core';

/** The other side of a datagram: an IP address and a port. */
export interface Peer {
  /** IPv4 or IPv6 address, as the socket reports it. */
  address: string;
  port: number;
}

/**
 * `--dump`: one debug line per datagram (`Datagram in` / `Datagram out`), with bounded text
 * and hex views of its bytes. The fields are the ones tcp-transport's `Frame in` / `Frame out`
 * carry, so every app's dump reads (and filters) the same way.
 */
export function dumpDatagram(
  logger: Logger,
  direction: 'in' | 'out',
  peer: Peer,
  bytes: Uint8Array,
): void {
  const { length, text, hex, truncated } = describeBytes(bytes);
  logger.debug(
    { direction, peer, length, text, hex, truncated },
    direction === 'in' ? LOG_EVENT.datagramIn : LOG_EVENT.datagramOut,
  );
}
