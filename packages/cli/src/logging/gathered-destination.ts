import { EventEmitter } from 'node:events';
import fs from 'node:fs';

/** How long `flushSync` waits on a full pipe, without a byte getting through, before giving up. */
const SYNC_FLUSH_PATIENCE_MS = 5000;
/** The pause before writing to a full pipe (EAGAIN) again. */
const FULL_PIPE_RETRY_MS = 10;

interface FlushWaiter {
  /** Resolved once this many characters, counted from the start, are written. */
  readonly upTo: number;
  readonly done: () => void;
}

/**
 * An asynchronous log destination for a server's stdout: each line is appended to an array
 * (no per-line measuring, copying or concatenation), and the lines gathered are written with
 * one `fs.write` once `gatherChars` wait or every `periodMs`, one write in flight at a time,
 * in order. Replaces sonic-boom, whose per-line bookkeeping (two `Buffer.byteLength` calls
 * and a string concatenation a line) cost more than the log writes it saved (issue 16).
 *
 * Bounded: past `maxPendingChars` waiting or in flight (a reader that stopped reading),
 * lines are dropped and a `drop` event is emitted for each. A reader that went away (EPIPE
 * and the like) makes the destination discard lines instead of failing the server.
 */
export class GatheredDestination extends EventEmitter {
  readonly #fd: number;
  readonly #gatherChars: number;
  readonly #maxPendingChars: number;
  #lines: string[] = [];
  #gatheredChars = 0;
  /** Characters of the write in flight, counted until it completes. */
  #inFlightChars = 0;
  /** The bytes of the write in flight not yet written (a pipe may take part of a write). */
  #inFlight: Buffer | null = null;
  #acceptedChars = 0;
  #writtenChars = 0;
  #waiters: FlushWaiter[] = [];
  #broken = false;

  constructor(options: {
    fd: number;
    gatherChars: number;
    periodMs: number;
    maxPendingChars: number;
  }) {
    super();
    this.#fd = options.fd;
    this.#gatherChars = options.gatherChars;
    this.#maxPendingChars = options.maxPendingChars;
    setInterval(() => {
      if (this.#inFlight === null && this.#lines.length > 0) this.#writeGathered();
    }, options.periodMs).unref();
  }

  /** The per-line path: keep it to an append and two additions. */
  write(line: string): boolean {
    if (this.#broken) return true;
    const length = line.length;
    if (this.#gatheredChars + this.#inFlightChars + length > this.#maxPendingChars) {
      this.emit('drop', line);
      return false;
    }
    this.#lines.push(line);
    this.#gatheredChars += length;
    this.#acceptedChars += length;
    if (this.#inFlight === null && this.#gatheredChars >= this.#gatherChars) this.#writeGathered();
    return true;
  }

  /** Calls `done` once every line written so far is written out (or can no longer be). */
  flush(done: () => void): void {
    if (this.#broken || this.#writtenChars === this.#acceptedChars) {
      setImmediate(done);
      return;
    }
    this.#waiters.push({ upTo: this.#acceptedChars, done });
    if (this.#inFlight === null) this.#writeGathered();
  }

  /**
   * Writes the gathered lines synchronously (on exit, on a crash). A write already in flight
   * is left to finish: its lines were handed to the kernel's queue before these.
   */
  flushSync(): void {
    if (this.#broken || this.#lines.length === 0) return;
    const chars = this.#gatheredChars;
    let bytes = this.#takeGathered();
    let waitedSince = Date.now();
    while (bytes.length > 0) {
      try {
        const written = fs.writeSync(this.#fd, bytes);
        bytes = bytes.subarray(written);
        waitedSince = Date.now();
      } catch (error) {
        if (!isFullPipe(error) || Date.now() - waitedSince > SYNC_FLUSH_PATIENCE_MS) break;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FULL_PIPE_RETRY_MS);
      }
    }
    this.#writtenChars += chars;
    this.#resolveWaiters();
  }

  #takeGathered(): Buffer {
    const text = this.#lines.length === 1 ? this.#lines[0] : this.#lines.join('');
    this.#lines = [];
    this.#gatheredChars = 0;
    return Buffer.from(text);
  }

  #writeGathered(): void {
    const chars = this.#gatheredChars;
    this.#send(this.#takeGathered());
    this.#inFlightChars = chars;
  }

  #send(bytes: Buffer): void {
    this.#inFlight = bytes;
    fs.write(this.#fd, bytes, 0, bytes.length, null, (error, written) =>
      this.#sent(bytes, error, written),
    );
  }

  #sent(bytes: Buffer, error: NodeJS.ErrnoException | null, written: number): void {
    if (error) {
      if (isFullPipe(error)) {
        setTimeout(() => this.#send(bytes), FULL_PIPE_RETRY_MS);
        return;
      }
      this.#breakDown();
      return;
    }
    if (written < bytes.length) {
      this.#send(bytes.subarray(written));
      return;
    }
    this.#inFlight = null;
    this.#writtenChars += this.#inFlightChars;
    this.#inFlightChars = 0;
    this.#resolveWaiters();
    if (this.#gatheredChars >= this.#gatherChars || this.#waiters.length > 0) {
      if (this.#lines.length > 0) this.#writeGathered();
    }
  }

  #resolveWaiters(): void {
    if (this.#waiters.length === 0) return;
    const written = this.#writtenChars;
    const due = this.#waiters.filter((waiter) => waiter.upTo <= written);
    this.#waiters = this.#waiters.filter((waiter) => waiter.upTo > written);
    for (const waiter of due) waiter.done();
  }

  /** stdout is gone (the reader closed it): nothing written from now on can arrive. */
  #breakDown(): void {
    this.#broken = true;
    this.#inFlight = null;
    this.#inFlightChars = 0;
    this.#lines = [];
    this.#gatheredChars = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.done();
  }
}

function isFullPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EBUSY';
}
