import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { untilWokenOrAfter } from './wait-for-reply';

/**
 * One UDP socket connected to the server under test (the kernel then drops datagrams from
 * anyone else), sending raw datagrams as a textbook client does and taking each reply whole.
 */
export class UdpProbe {
  readonly #socket: Socket;
  readonly #replies: Buffer[] = [];
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (datagram) => {
      // Bounded: a server that floods gets its first few replies looked at, no more kept.
      if (this.#replies.length < 64) this.#replies.push(datagram);
      this.#wake?.();
    });
    // ICMP port unreachable on a connected socket: nobody answers, which a read's timeout says.
    socket.on('error', () => undefined);
  }

  static async open(host: string, port: number): Promise<UdpProbe> {
    const family = isIP(host) || (await lookup(host)).family;
    const address = isIP(host) ? host : (await lookup(host)).address;
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    return new UdpProbe(socket);
  }

  send(datagram: Uint8Array): Promise<void> {
    return new Promise((resolve) => this.#socket.send(datagram, () => resolve()));
  }

  /** The next reply, or undefined after `timeoutMs`. */
  async receive(timeoutMs: number): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.#replies.shift();
      if (reply) return reply;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await untilWokenOrAfter(left, (wake) => (this.#wake = wake));
      this.#wake = undefined;
    }
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }
}
