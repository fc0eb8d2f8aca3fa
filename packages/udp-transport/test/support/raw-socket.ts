import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface Datagram {
  data: Buffer;
  rinfo: RemoteInfo;
  at: number;
}

/**
 * A bare dgram socket for playing the other side in tests: it queues what arrives so a test
 * can await the next datagram instead of sleeping.
 */
export interface RawSocket {
  socket: Socket;
  port: number;
  received: Datagram[];
  next(): Promise<Datagram>;
  send(data: Uint8Array | string, port: number, address?: string): Promise<void>;
  close(): Promise<void>;
}

export async function openRawSocket(address = '127.0.0.1'): Promise<RawSocket> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const received: Datagram[] = [];
  const queue: Datagram[] = [];
  const waiters: ((d: Datagram) => void)[] = [];
  socket.on('message', (data, rinfo) => {
    const datagram = { data, rinfo, at: performance.now() };
    received.push(datagram);
    const waiter = waiters.shift();
    if (waiter) waiter(datagram);
    else queue.push(datagram);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  let closed: Promise<void> | undefined;
  return {
    socket,
    port: socket.address().port,
    received,
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    send: (data, port, to = address) =>
      new Promise((resolve, reject) =>
        socket.send(data, port, to, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => (closed ??= new Promise((resolve) => socket.close(() => resolve()))),
  };
}
