import { describeBytes, type Logger } from '@netlab/protocol';

export interface Peer {
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
