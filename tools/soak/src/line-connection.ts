import { connect, type Socket } from 'node:net';

/** Why a read gave up: no reply in time, or the stream ended (or was reset) first. */
export class ReadFailed extends Error {
  override readonly name = 'ReadFailed';
}

/**
 * A client socket that reads lines, with a time limit on every wait so a server that
 * stops answering fails the soak instead of hanging it. Errors (resets, EPIPE) are kept in
 * `error`, never thrown: for the faulty clients they are the point.
 */
export class LineConnection {
  readonly socket: Socket;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
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
    socket.on('error', (error: NodeJS.ErrnoException) => (this.error ??= error));
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#ended = true;
        this.#notify();
        resolve();
      }),
    );
  }

  /** Connects to 127.0.0.1:port; `reading: false` never reads a byte. */
  static open(port: number, options: { reading?: boolean } = {}): Promise<LineConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const connection = new LineConnection(socket);
        if (options.reading === false) socket.pause();
        resolve(connection);
      });
    });
  }

  write(data: string | Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Resolves once `data` has been handed to the kernel (false if the socket failed first). */
  flushed(data: string | Uint8Array): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || this.socket.writableEnded) return resolve(false);
      this.socket.write(data, (error) => resolve(!error));
    });
  }

  /** The next `count` lines; throws ReadFailed on a timeout or an early end of stream. */
  async readLines(count: number, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length < count) {
      if (this.#ended) {
        throw new ReadFailed(
          `stream ended after ${this.#lines.length} of ${count} lines` +
            (this.error ? ` (${this.error.code ?? this.error.message})` : ''),
        );
      }
      if (!(await this.#waitUntil(deadline))) {
        throw new ReadFailed(`no reply within ${timeoutMs} ms (${this.#lines.length} of ${count})`);
      }
    }
    return this.#lines.splice(0, count);
  }

  /** Every line up to the server's end of stream, an unfinished tail included. */
  async readToEnd(timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      if (!(await this.#waitUntil(deadline))) {
        throw new ReadFailed(`the stream did not end within ${timeoutMs} ms`);
      }
    }
    const rest = this.#lines.splice(0);
    if (this.#buffer !== '') rest.push(this.#buffer);
    this.#buffer = '';
    return rest;
  }

  /** Resolves false at the deadline, true when something arrived first. */
  #waitUntil(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#wake = undefined;
          resolve(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#wake = () => {
        clearTimeout(timer);
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
