import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from './cleanup';

/** Where a line server listens: a TCP port on loopback (or `host`), or a Unix socket path. */
export type LineServerAddress = { port: number; host?: string } | { path: string };

/**
 * A bare node:net client that reads the server's lines as a test needs them: the plainest
 * client there is, to show what the server itself does with bytes (split, joined, invalid,
 * never read). Destroyed after the test.
 */
export class LineSocket {
  readonly socket: Socket;
  /** Resolves once the socket is closed: true if it closed on an error (a reset). */
  readonly closed: Promise<boolean>;
  /** The error that closed it (ECONNRESET, ...), if any. */
  error: NodeJS.ErrnoException | undefined;
  #buffer = '';
  #lines: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (this.#buffer + text).split('\n');
      this.#buffer = parts.pop()!;
      this.#lines.push(...parts);
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (error) => (this.error = error));
    // Not events.once: it rejects on 'error', and a reset is an outcome tests look at.
    this.closed = new Promise((resolve) =>
      socket.once('close', (hadError: boolean) => {
        this.#ended = true;
        this.#notify();
        resolve(hadError);
      }),
    );
  }

  /** Connects; with `reading: false` it never reads a byte (a client that does not read). */
  static async connect(
    address: LineServerAddress,
    options: { reading?: boolean } = {},
  ): Promise<LineSocket> {
    const socket =
      'path' in address
        ? connect({ path: address.path })
        : connect({ host: address.host ?? '127.0.0.1', port: address.port });
    const opened = once(socket, 'connect');
    socket.on('error', () => undefined);
    onCleanup(() => socket.destroy());
    await opened;
    const client = new LineSocket(socket);
    if (options.reading === false) socket.pause();
    return client;
  }

  /** Writes bytes as they are: no newline is added. Resolves once handed to the kernel. */
  async write(data: string | Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.write(data, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * Half-close: our last byte is sent; the server's replies still come. (Once the server
   * ends its side, ours ends too, as netcat's does: the server sees the connection closed.)
   */
  end(): void {
    this.socket.end();
  }

  /** The next `count` lines; rejects if the server ends the stream first. */
  async readLines(count: number): Promise<string[]> {
    while (this.#lines.length < count) {
      if (this.#ended) {
        throw new Error(
          `stream ended after ${this.#lines.length} of ${count} lines: ${JSON.stringify(this.#lines)}`,
        );
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    return this.#lines.splice(0, count);
  }

  async readLine(): Promise<string> {
    return (await this.readLines(1))[0];
  }

  /** Every line still to come, up to the server's end of stream (an unfinished tail too). */
  async readToEnd(): Promise<string[]> {
    while (!this.#ended) await new Promise<void>((resolve) => (this.#wake = resolve));
    const rest = this.#lines.splice(0);
    if (this.#buffer !== '') rest.push(this.#buffer);
    this.#buffer = '';
    return rest;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
