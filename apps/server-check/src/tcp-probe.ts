import { connect, type Socket } from 'node:net';
import { afterPendingIo, describeCause } from '@netlab/transport-core';
import { CheckFailure } from './check-failure';
import { untilWokenOrAfter } from './wait-for-reply';

/** What a read from the server gave: a line (without '\n' or '\r'), the end, or nothing in time. */
export type ReadResult = { kind: 'line'; text: string } | { kind: 'closed' } | { kind: 'timeout' };

/** What a report says was sent when a check's first connection failed. */
export const FIRST_CONNECT = '(connect)';

/** Past this, an unfinished reply line is cut and returned: the grader's memory stays bounded. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * One TCP connection to the server under test, as a plain client: raw bytes out, replies
 * read as lines. Everything it opened is closed by `destroy` (the runner calls it for every
 * probe of a check, whatever happened).
 */
export class TcpProbe {
  readonly #socket: Socket;
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  readonly #lines: string[] = [];
  #closed = false;
  #discarding = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onEnd());
    socket.on('error', () => this.#onEnd());
  }

  /** Connects, or throws a CheckFailure saying why not (refused, no answer in time). */
  static connect(
    host: string,
    port: number,
    timeoutMs: number,
    sent = FIRST_CONNECT,
  ): Promise<TcpProbe> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      // Judged once pending I/O is read: a grader late itself (a busy machine) must not
      // fail a server whose answer to the connect already waits in the kernel.
      let verdict: NodeJS.Immediate | undefined;
      const timer = setTimeout(() => {
        verdict = afterPendingIo(() => {
          socket.destroy();
          reject(new CheckFailure(sent, 'a connection', `no connection within ${timeoutMs} ms`));
        });
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        clearImmediate(verdict);
        socket.removeAllListeners('error');
        resolve(new TcpProbe(socket));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        clearImmediate(verdict);
        reject(
          new CheckFailure(sent, 'a connection', `could not connect: ${describeCause(error)}`),
        );
      });
    });
  }

  /** Writes `data` (resolves once it is handed to the kernel; a closed connection is no error). */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.destroyed || this.#socket.writableEnded) {
        resolve();
        return;
      }
      this.#socket.write(data, () => resolve());
    });
  }

  /** Writes without waiting: for a client that sends and never reads. */
  writeAndForget(data: string | Uint8Array): void {
    if (!this.#socket.destroyed && !this.#socket.writableEnded) this.#socket.write(data);
  }

  /** Stops reading: what the server sends piles up in the kernel's buffers. */
  stopReading(): void {
    this.#socket.pause();
  }

  /** Half-close: "I send nothing more" (a FIN); replies can still come. */
  end(): void {
    if (!this.#socket.destroyed) this.#socket.end();
  }

  /** The next reply line, the end of the connection, or a timeout. */
  async read(timeoutMs: number): Promise<ReadResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return { kind: 'line', text: line };
      if (this.#closed) {
        // An unfinished last line at the end still counts as the reply it is.
        if (this.#bufferedBytes > 0) return { kind: 'line', text: this.#takeBuffered() };
        return { kind: 'closed' };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await untilWokenOrAfter(left, (wake) => (this.#wake = wake));
      this.#wake = undefined;
    }
  }

  /** Reads one reply and fails the check unless it is `expected`. */
  async expectLine(sent: string, expected: string, timeoutMs: number): Promise<void> {
    const result = await this.read(timeoutMs);
    if (result.kind === 'line' && result.text === expected) return;
    throw new CheckFailure(sent, JSON.stringify(expected), describeRead(result, timeoutMs));
  }

  /** Resolves true once the server has closed the connection, false after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<ReadResult> {
    return this.read(timeoutMs);
  }

  /**
   * Ends the connection as a polite client does: a FIN, then reading (and dropping) whatever
   * the server still sends until it closes too, for at most `graceMs`. Dropping the socket with
   * replies unread would send a reset instead, which kills a server that does not expect one
   * (the textbook's) and would fail the checks after this one for the wrong reason.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#socket.destroyed) return;
    this.#discarding = true;
    this.#lines.length = 0;
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.#socket.end();
    this.#socket.resume();
    if (!this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#wake = () => {
          if (!this.#closed) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#discarding) {
      this.#wake?.();
      return;
    }
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.#buffered.push(chunk.subarray(start, end));
      this.#lines.push(this.#takeBuffered());
      start = end + 1;
    }
    if (start < chunk.length) {
      this.#buffered.push(chunk.subarray(start));
      this.#bufferedBytes += chunk.length - start;
      if (this.#bufferedBytes > MAX_LINE_BYTES) this.#lines.push(this.#takeBuffered());
    }
    this.#wake?.();
  }

  #onEnd(): void {
    this.#closed = true;
    this.#wake?.();
  }

  #takeBuffered(): string {
    const text = Buffer.concat(this.#buffered).toString('utf8').replace(/\r$/, '');
    this.#buffered = [];
    this.#bufferedBytes = 0;
    return text;
  }
}

/** A read as a report's "got". */
export function describeRead(result: ReadResult, timeoutMs: number): string {
  switch (result.kind) {
    case 'line':
      return JSON.stringify(
        result.text.length > 200 ? `${result.text.slice(0, 200)}…` : result.text,
      );
    case 'closed':
      return 'the connection closed';
    case 'timeout':
      return `no reply within ${timeoutMs} ms`;
  }
}
