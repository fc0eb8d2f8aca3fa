import { connect, type Socket } from 'node:net';
import {
  describeBytes,
  lineCodec,
  type FrameCodec,
  type FrameDecoder,
  levelEnabled,
  silentLogger,
  type Logger,
} from '@netlab/protocol';
import {
  TcpAbortError,
  TcpClosedError,
  TcpConnectError,
  TcpConnectionLostError,
  formatEndpoint,
  type TcpEndpoint,
} from './errors';
import type { PeerAddress } from './session';

/** Where to connect: a host and port, or a Unix domain socket path. */
export type TcpTarget = TcpEndpoint;

/** How connectTcp frames, logs and can be cancelled; every field is optional. */
export interface ConnectTcpOptions<T> {
  /** Framing; default: lines, with room for a long `History` reply (64 MiB). */
  codec?: FrameCodec<T>;
  /** Gives up connecting (rejects with TcpAbortError) if it fires first. */
  signal?: AbortSignal;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every frame in and out at debug level: length, text and hex. */
  dump?: boolean;
}

/**
 * One connection to a request/reply server: every frame sent gets exactly one reply, in
 * order. `request` pairs a frame with its reply; `send` leaves the reply to `replies()`,
 * which also yields anything the server says unasked (`Error: server busy`).
 */
export interface TcpClient<T> {
  /** Sends `frame`; resolves with its reply. Rejects with TcpConnectionLostError if the connection ends first. */
  request(frame: T, options?: { signal?: AbortSignal }): Promise<T>;
  /** Sends `frame`; its reply goes to `replies()`. Throws TcpClosedError after `end()` or `close()`. */
  send(frame: T): void;
  /** Replies not claimed by `request`, in order; ends when the connection closes. One reader. */
  replies(): AsyncIterable<T>;
  /** Half-close: no more frames from us; resolves once the server has answered the rest and closed. */
  end(): Promise<void>;
  /** Closes at once; outstanding requests reject with TcpClosedError. Idempotent. */
  close(): Promise<void>;
  /** Resolves when the connection is closed: to the error that ended it, or undefined for a clean end. */
  closed(): Promise<Error | undefined>;
  /** Frames sent and not yet answered. */
  readonly pending: number;
  /** Where this client connected. */
  readonly target: TcpTarget;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Long enough for a History reply of 100 maximal lines, however escaped. */
const CLIENT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Connects; resolves once the connection is up, or rejects with TcpConnectError / TcpAbortError. */
export function connectTcp(
  target: TcpTarget,
  options?: ConnectTcpOptions<string>,
): Promise<TcpClient<string>>;
export function connectTcp<T>(
  target: TcpTarget,
  options: ConnectTcpOptions<T> & { codec: FrameCodec<T> },
): Promise<TcpClient<T>>;
export function connectTcp<T>(
  target: TcpTarget,
  options: ConnectTcpOptions<T> = {},
): Promise<TcpClient<T>> {
  const codec =
    options.codec ??
    (lineCodec({ maxLineBytes: CLIENT_MAX_LINE_BYTES }) as unknown as FrameCodec<T>);
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new TcpAbortError({ cause: signal.reason }));
  return new Promise<TcpClient<T>>((resolve, reject) => {
    const socket =
      'path' in target
        ? connect({ path: target.path, allowHalfOpen: true })
        : connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const settle = (): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      settle();
      resolve(
        new FramedTcpClient(
          socket,
          target,
          codec,
          options.logger ?? silentLogger,
          options.dump ?? false,
        ),
      );
    };
    const onError = (error: Error): void => {
      settle();
      reject(new TcpConnectError(target, { cause: error }));
    };
    const onAbort = (): void => {
      settle();
      socket.on('error', () => undefined);
      socket.destroy();
      reject(new TcpAbortError({ cause: signal?.reason }));
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Waiter<T> {
  resolve(reply: T): void;
  reject(error: Error): void;
}

/** A frame sent and not yet answered: a request's waiter, `null` for `send`, `undefined` once abandoned. */
type Slot<T> = { waiter: Waiter<T> | null | undefined };

const CLIENT_STATE = { open: 'open', ending: 'ending', closed: 'closed' } as const;
type ClientState = (typeof CLIENT_STATE)[keyof typeof CLIENT_STATE];

class FramedTcpClient<T> implements TcpClient<T> {
  readonly target: TcpTarget;
  readonly #socket: Socket;
  readonly #codec: FrameCodec<T>;
  readonly #decoder: FrameDecoder<T>;
  readonly #logger: Logger;
  readonly #dump: boolean;
  /** The server as the connected socket names it (getpeername), for dump lines. */
  readonly #peer: PeerAddress;
  readonly #slots: Slot<T>[] = [];
  #slotHead = 0;
  readonly #unclaimed: T[] = [];
  #reader: (() => void) | undefined;
  #state: ClientState = CLIENT_STATE.open;
  #socketError: Error | undefined;
  #failure: Error | undefined;
  #closedByUs = false;
  #corked = false;
  readonly #closed: Promise<Error | undefined>;

  constructor(
    socket: Socket,
    target: TcpTarget,
    codec: FrameCodec<T>,
    logger: Logger,
    dump: boolean,
  ) {
    this.#socket = socket;
    this.target = target;
    this.#codec = codec;
    this.#decoder = codec.createDecoder();
    this.#logger = logger;
    this.#dump = dump;
    this.#peer = peerOf(socket, target);
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve(this.#onClose())));
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    logger.debug({ transport: 'tcp', remote: formatEndpoint(target) }, 'Connected');
  }

  get pending(): number {
    return this.#slots.length - this.#slotHead;
  }

  request(frame: T, options: { signal?: AbortSignal } = {}): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new TcpAbortError({ cause: signal.reason }));
    return new Promise<T>((resolve, reject) => {
      const slot: Slot<T> = { waiter: null };
      const onAbort = (): void => {
        // The frame is already on its way; its reply, when it comes, is dropped.
        slot.waiter = undefined;
        reject(new TcpAbortError({ cause: signal?.reason }));
      };
      slot.waiter = {
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reply);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#write(frame, slot);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  send(frame: T): void {
    this.#write(frame, { waiter: null });
  }

  async *replies(): AsyncIterable<T> {
    for (;;) {
      const next = this.#unclaimed.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#state === CLIENT_STATE.closed) return;
      await new Promise<void>((resolve) => (this.#reader = resolve));
    }
  }

  async end(): Promise<void> {
    if (this.#state === CLIENT_STATE.open) {
      this.#state = CLIENT_STATE.ending;
      this.#socket.end();
    }
    await this.#closed;
  }

  async close(): Promise<void> {
    if (this.#state !== CLIENT_STATE.closed) {
      this.#closedByUs = true;
      this.#socket.destroy();
    }
    await this.#closed;
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #write(frame: T, slot: Slot<T>): void {
    if (this.#state !== CLIENT_STATE.open) {
      const error = new TcpClosedError('connection');
      if (slot.waiter) slot.waiter.reject(error);
      else throw error;
      return;
    }
    this.#slots.push(slot);
    if (this.#dump && levelEnabled(this.#logger, 'debug')) this.#logFrame('out', frame);
    // Frames sent in one tick (piped input) leave in one segment, not one write each.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#socket.write(this.#codec.encode([frame]));
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  readonly #onData = (chunk: Buffer): void => {
    let frames: T[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      // A reply longer than the codec allows: the stream cannot be trusted past it.
      this.#failure = new TcpConnectionLostError(this.target, this.pending, { cause: error });
      this.#socket.destroy();
      return;
    }
    const dump = this.#dump && levelEnabled(this.#logger, 'debug');
    for (const frame of frames) {
      if (dump) this.#logFrame('in', frame);
      this.#deliver(frame);
    }
  };

  #deliver(reply: T): void {
    const slot = this.#slotHead < this.#slots.length ? this.#slots[this.#slotHead++] : undefined;
    if (this.#slotHead > 1024 && this.#slotHead * 2 > this.#slots.length) {
      this.#slots.splice(0, this.#slotHead);
      this.#slotHead = 0;
    }
    if (slot?.waiter) return slot.waiter.resolve(reply);
    if (slot && slot.waiter === undefined) return; // abandoned by an aborted request
    this.#unclaimed.push(reply);
    this.#wakeReader();
  }

  readonly #onEnd = (): void => {
    // The server finished sending. Whatever is still owed will never come; end our side too.
    if (this.#state === CLIENT_STATE.open) this.#state = CLIENT_STATE.ending;
    this.#socket.end();
  };

  readonly #onError = (error: Error): void => {
    this.#socketError = error;
  };

  #onClose(): Error | undefined {
    this.#state = CLIENT_STATE.closed;
    const unanswered = this.pending;
    let result = this.#failure;
    if (!result && unanswered > 0) {
      result = this.#closedByUs
        ? new TcpClosedError('connection')
        : new TcpConnectionLostError(this.target, unanswered, { cause: this.#socketError });
    }
    if (!result && this.#socketError && !this.#closedByUs) {
      result = new TcpConnectionLostError(this.target, 0, { cause: this.#socketError });
    }
    for (let i = this.#slotHead; i < this.#slots.length; i++) {
      this.#slots[i].waiter?.reject(result ?? new TcpClosedError('connection'));
    }
    this.#slots.length = 0;
    this.#slotHead = 0;
    this.#wakeReader();
    this.#logger.debug(
      { transport: 'tcp', remote: formatEndpoint(this.target), unanswered },
      'Disconnected',
    );
    return this.#closedByUs && result instanceof TcpClosedError ? undefined : result;
  }

  #wakeReader(): void {
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.();
  }

  #logFrame(direction: 'in' | 'out', frame: T): void {
    this.#logger.debug(
      {
        direction,
        peer: this.#peer,
        ...describeBytes(this.#codec.encode([frame])),
      },
      direction === 'in' ? 'Frame in' : 'Frame out',
    );
  }
}

/**
 * The other end as an object, as the server's dump lines give theirs: the address the socket
 * actually reached (`localhost` may be `::1` or `127.0.0.1`), or the socket file's path.
 */
function peerOf(socket: Socket, target: TcpTarget): PeerAddress {
  if ('path' in target) return { path: target.path };
  return { address: socket.remoteAddress ?? target.host, port: socket.remotePort ?? target.port };
}
