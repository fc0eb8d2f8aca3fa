import type { Socket } from 'node:net';
import type { PacketEndpoint, TrafficTap } from '@netlab/protocol';

/**
 * Hands `tap` every chunk `socket` reads and every chunk written to it, for `--pcap`: the
 * bytes as they went, whatever the framing. Installed before the connection's own handlers,
 * so a read is seen before the replies it causes. A Unix-socket connection has no addresses
 * to show and is not tapped.
 */
export function tapSocket(socket: Socket, tap: TrafficTap): void {
  if (socket.remotePort === undefined) return;
  const local: PacketEndpoint = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
  const remote: PacketEndpoint = { address: socket.remoteAddress ?? '', port: socket.remotePort };
  socket.on('data', (chunk: Buffer) =>
    tap({ transport: 'tcp', direction: 'in', local, remote, bytes: chunk }),
  );
  const write = socket.write;
  socket.write = function tappedWrite(this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8')
        : (chunk as Uint8Array);
    if (bytes.length > 0) tap({ transport: 'tcp', direction: 'out', local, remote, bytes });
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket['write'];
}
