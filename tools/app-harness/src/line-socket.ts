import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterPendingIo } from '@netlab/transport-core';
import { onCleanup } from './cleanup';

/** Where a line server listens: a TCP port on loopback (or `host`), or a Unix socket path. */
export type LineServerAddress = { port: number; host?: string } | { path: string };

/** Why a read gave up: no line in time, or the stream ended (or was reset) first. */
export class ReadFailed extends Error {
  override readonly name = 'ReadFailed';
}

export interface LineSocketOptions {
  /** false: never read a byte (a client that does not read). Default true. */
  reading?: boolean;
  /** false: the caller destroys it (the soak); default: destroyed after the current test. */
  cleanup?: boolean;
}

/**
 * A bare node:net client that reads the server's lines as a test needs them: the plainest
 * client there is, to show what the server itself does with bytes (split, joined, invalid,
 * never read). Errors (resets, EPIPE) are kept in `error`, never thrown: for a faulty
 * client they are the point. Reads can be given a time limit, so a server that stops
 * answering fails a run instead of hanging it.
 */
export class LineSocket {
  readonly socket: Socket;
  /** Resolves once the socket is closed: true if it closed on an error (a reset). */
  readonly closed: Promise<boolean>;
  /** The first error on the socket (ECONNRESET, ...), if any. */
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
      for (const line of parts) this.#lines.push(line);
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (this.error ??= error));
    // Not events.once: it rejects on 'error', and a reset is an outcome tests look at.
    this.closed = new Promise((resolve) =>
      socket.once('close', (hadError: boolean) => {
        this.#ended = true;
        this.#notify();
        resolve(hadError);
      }),
    );
  }

  static async connect(
    address: LineServerAddress,
    options: LineSocketOptions = {},
  ): Promise<LineSocket> {
    const socket =
      'path' in address
        ? connect({ path: address.path })
        : connect({ host: address.host ?? '127.0.0.1', port: address.port, noDelay: true });
    const opened = once(socket, 'connect');
    socket.on('error', () => undefined);
    if (options.cleanup !== false) onCleanup(() => socket.destroy());
    await opened;
    const client = new LineSocket(socket);
    if (options.reading === false) socket.pause();
    return client;
  }

  /** Writes bytes as they are (no newline is added); resolves once handed to the kernel. */
  async write(data: string | Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.write(data, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Writes and moves on: a failure shows in `error` (a client that writes after a reset). */
  send(data: string | Uint8Array): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(data);
  }

  /** Resolves once `data` is handed to the kernel, false if the socket failed first. */
  flushed(data: string | Uint8Array): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || this.socket.writableEnded) return resolve(false);
      this.socket.write(data, (error) => resolve(!error));
    });
  }

  /**
   * Half-close: our last byte is sent; the server's replies still come. (Once the server
   * ends its side, ours ends too, as netcat's does: the server sees the connection closed.)
   */
  end(): void {
    this.socket.end();
  }

  /** The next `count` lines; throws ReadFailed if the stream ends first or time runs out. */
  async readLines(count: number, timeoutMs = Infinity): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length < count) {
      if (this.#ended) {
        throw new ReadFailed(
          `stream ended after ${this.#lines.length} of ${count} lines` +
            (this.error ? ` (${this.error.code ?? this.error.message})` : '') +
            `: ${JSON.stringify(this.#lines).slice(0, 500)}`,
        );
      }
      if (!(await this.#changeBefore(deadline))) {
        throw new ReadFailed(`no reply within ${timeoutMs} ms (${this.#lines.length} of ${count})`);
      }
    }
    return this.#lines.splice(0, count);
  }

  async readLine(timeoutMs = Infinity): Promise<string> {
    return (await this.readLines(1, timeoutMs))[0];
  }

  /** Every line still to come, up to the server's end of stream (an unfinished tail too). */
  async readToEnd(timeoutMs = Infinity): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      if (!(await this.#changeBefore(deadline))) {
        throw new ReadFailed(`the stream did not end within ${timeoutMs} ms`);
      }
    }
    const rest = this.#lines.splice(0);
    if (this.#buffer !== '') rest.push(this.#buffer);
    this.#buffer = '';
    return rest;
  }

  /**
   * Resolves true when something arrives, false at the deadline. The deadline is judged after
   * this process has read what already reached its socket (afterPendingIo): a test process
   * late on a busy machine must not time out a reply that waited in its own buffer.
   */
  #changeBefore(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      let verdict: NodeJS.Immediate | undefined;
      const timer =
        deadline === Infinity
          ? undefined
          : setTimeout(
              () => {
                verdict = afterPendingIo(() => {
                  this.#wake = undefined;
                  resolve(false);
                });
              },
              Math.max(0, deadline - Date.now()),
            );
      this.#wake = () => {
        clearTimeout(timer);
        clearImmediate(verdict);
        resolve(true);
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
