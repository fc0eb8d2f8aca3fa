import { createSocket, type Socket } from 'node:dgram';
import { onCleanup } from '@netlab-tools/app-harness';

/**
 * A bare node:dgram socket that talks to the server the way the tests need: bound to a
 * chosen local address (127.0.0.2 and 127.0.0.3 are distinct sources to a per-address rate
 * limiter, all on loopback), every datagram it receives kept in order. Closed after the test.
 */
export class DatagramPeer {
  readonly socket: Socket;
  readonly #server: { host: string; port: number };
  readonly #received: Buffer[] = [];
  #wake: (() => void) | undefined;

  private constructor(socket: Socket, server: { host: string; port: number }) {
    this.socket = socket;
    this.#server = server;
    socket.on('message', (datagram) => {
      this.#received.push(datagram);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    });
  }

  /** A peer of the server at `host` (default 127.0.0.1), bound to `localAddress`, port 0. */
  static async open(
    port: number,
    options: { host?: string; localAddress?: string } = {},
  ): Promise<DatagramPeer> {
    const host = options.host ?? '127.0.0.1';
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    onCleanup(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.localAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new DatagramPeer(socket, { host, port });
  }

  /** Datagrams received and not yet taken. */
  get pending(): number {
    return this.#received.length;
  }

  /** Sends one datagram; rejects with the socket's error (EMSGSIZE for one that cannot be sent). */
  send(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, this.#server.port, this.#server.host, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  /** The next datagram received (waits for it). */
  async next(): Promise<Buffer> {
    while (this.#received.length === 0) await new Promise<void>((r) => (this.#wake = r));
    return this.#received.shift()!;
  }

  /** Sends one datagram and returns the next one received. */
  async exchange(data: Uint8Array | string): Promise<Buffer> {
    await this.send(data);
    return this.next();
  }
}

/** One datagram to the server from a fresh socket, and the first one back. */
export async function exchange(
  port: number,
  data: Uint8Array | string,
  host = '127.0.0.1',
): Promise<Buffer> {
  const peer = await DatagramPeer.open(port, { host });
  return peer.exchange(data);
}

/**
 * A sender that behaves: each check is a numbered line it expects back uppercased, and
 * nothing else (the first datagram back must be that reply).
 */
export async function wellBehavedSender(
  port: number,
  options: { host?: string; localAddress?: string } = {},
): Promise<{ check(): Promise<void>; readonly checks: number }> {
  const peer = await DatagramPeer.open(port, options);
  let checks = 0;
  return {
    async check() {
      const text = `still served ${checks}`;
      const reply = await peer.exchange(text);
      expect(reply.toString()).toBe(text.toUpperCase());
      checks++;
    },
    get checks() {
      return checks;
    },
  };
}
