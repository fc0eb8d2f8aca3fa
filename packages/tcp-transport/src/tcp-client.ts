import { connect, type Socket } from 'node:net';
import {
  fullJitterDelay,
  lineCodec,
  type FrameCodec,
  type FrameDecoder,
  type TrafficTap,
} from '@netlab/protocol';
import {
  afterPendingIo,
  describeBytes,
  levelEnabled,
  silentLogger,
  type Logger,
  LOG_EVENT,
  WaitAbortedError,
  waitForEvent,
} from '@netlab/transport-core';
import { tapSocket } from './socket-tap';
import {
  MAX_TIMER_MS,
  TCP_CLIENT_STATUS,
  resolveReconnect,
  type ResolvedReconnect,
  type TcpClientStatus,
  type TcpReconnectOptions,
} from './client-status';
import {
  TcpAbortError,
  TcpClosedError,
  TcpConnectError,
  TcpConnectionLostError,
  TcpTimeoutError,
  TcpUsageError,
  formatEndpoint,
  type TcpEndpoint,
} from './errors';
import type { PeerAddress } from './session';
import { connectFailure, connectTlsSocket, readableTlsError } from './tls-connect';
import type { TcpClientTlsOptions } from './tls-options';

/** Where to connect: a host and port, or a Unix domain socket path. */
export type TcpTarget = TcpEndpoint;

/** How connectTcp frames, logs, reconnects and can be cancelled; every field is optional. */
export interface ConnectTcpOptions<T> {
  /** Framing; default: lines, with room for a long `History` reply (64 MiB). */
  codec?: FrameCodec<T>;
  /** Gives up connecting (rejects with TcpAbortError) if it fires first. */
  signal?: AbortSignal;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every frame in and out at debug level: length, text and hex. */
  dump?: boolean;
  /**
   * Sees every read and write of every connection, bytes as they went (`--pcap`); a TLS
   * connection's are the plaintext.
   */
  tap?: TrafficTap;
  /**
   * Connect again after a lost connection, with exponential backoff and full jitter (off
   * when absent; `{}` takes every default). Requests in flight when it dropped reject with
   * TcpConnectionLostError and are never sent again; requests made meanwhile wait for the
   * new connection (within their own timeout). The first connect is not retried.
   */
  reconnect?: TcpReconnectOptions;
  /** Told of every change: connected, lost, reconnecting, reconnected, gave up. */
  onStatus?: (status: TcpClientStatus) => void;
  /**
   * Speak TLS, verifying the server's certificate (against `tls.ca`, or the system's CAs)
   * and name. A failed handshake rejects with TcpTlsHandshakeError. `{}` is TLS with defaults.
   */
  tls?: TcpClientTlsOptions;
}

/** How long one request may wait, and what can cancel it. */
export interface TcpRequestOptions {
  /** Gives up (rejects with TcpAbortError) if it fires before the reply. */
  signal?: AbortSignal;
  /**
   * Rejects with TcpTimeoutError (code TCP_TIMEOUT) if no reply came within this many ms
   * of the call, a wait for a reconnect included. No limit when absent.
   */
  timeout?: number;
}

/**
 * A connection to a request/reply server: every frame sent gets exactly one reply, in
 * order. `request` pairs a frame with its reply; `send` leaves the reply to `replies()`,
 * which also yields anything the server says unasked (`Error: server busy`, a chat line).
 */
export interface TcpClient<T> {
  /**
   * Sends `frame`; resolves with its reply. Rejects with TcpConnectionLostError if the
   * connection ends first, TcpTimeoutError past `timeout`, TcpAbortError when `signal` fires.
   * A request given up after it was sent has its reply dropped when it comes.
   */
  request(frame: T, options?: TcpRequestOptions): Promise<T>;
  /**
   * Sends `frame`; its reply goes to `replies()`. With `{ reply: false }` no reply is
   * expected at all (a chat line): nothing waits for one. Throws TcpClosedError after
   * `end()` or `close()`.
   */
  send(frame: T, options?: { reply?: boolean }): void;
  /** Replies not claimed by `request`, in order; ends when the client closes. One reader. */
  replies(): AsyncIterable<T>;
  /** Half-close: no more frames from us; resolves once the server has answered the rest and closed. */
  end(): Promise<void>;
  /** Closes at once; outstanding requests reject with TcpClosedError. Idempotent. */
  close(): Promise<void>;
  /** Resolves when the client is closed for good: to the error that ended it, or undefined for a clean end. */
  closed(): Promise<Error | undefined>;
  /** Frames sent (or waiting for a reconnect) and not yet answered. */
  readonly pending: number;
  /** Where this client connects. */
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
export async function connectTcp<T>(
  target: TcpTarget,
  options: ConnectTcpOptions<T> = {},
): Promise<TcpClient<T>> {
  const codec =
    options.codec ??
    (lineCodec({ maxLineBytes: CLIENT_MAX_LINE_BYTES }) as unknown as FrameCodec<T>);
  const reconnect = options.reconnect ? resolveReconnect(options.reconnect) : undefined;
  const socket = await openSocket(target, options.signal, options.tls);
  return new FramedTcpClient(socket, target, {
    tls: options.tls,
    codec,
    logger: options.logger ?? silentLogger,
    dump: options.dump ?? false,
    tap: options.tap,
    reconnect,
    onStatus: options.onStatus ?? (() => undefined),
  });
}

/**
 * A connected socket (with `tls`: once the handshake is done), or TcpConnectError /
 * TcpTlsHandshakeError / TcpAbortError.
 */
async function openSocket(
  target: TcpTarget,
  signal: AbortSignal | undefined,
  tls: TcpClientTlsOptions | undefined,
): Promise<Socket> {
  if (signal?.aborted) throw new TcpAbortError({ cause: signal.reason });
  const { socket, ready } = tls
    ? connectTlsSocket(target, tls)
    : {
        socket:
          'path' in target
            ? connect({ path: target.path, allowHalfOpen: true })
            : connect({
                host: target.host,
                port: target.port,
                allowHalfOpen: true,
                noDelay: true,
              }),
        ready: 'connect' as const,
      };
  // With TLS, whether TCP itself connected tells a refused port from a failed handshake.
  let tcpConnected = false;
  const onTcpConnect = (): void => {
    tcpConnected = true;
  };
  socket.once('connect', onTcpConnect);
  try {
    await waitForEvent(socket, ready, signal);
    return socket;
  } catch (error) {
    if (error instanceof WaitAbortedError) {
      socket.on('error', () => undefined);
      socket.destroy();
      throw new TcpAbortError({ cause: error.cause });
    }
    throw tls
      ? connectFailure(target, error as Error, tcpConnected)
      : new TcpConnectError(target, { cause: error });
  } finally {
    socket.off('connect', onTcpConnect);
  }
}

interface Waiter<T> {
  resolve(reply: T): void;
  reject(error: Error): void;
}

/** A frame that expects a reply: a request's waiter, `null` for `send`, `undefined` once given up. */
type Slot<T> = { waiter: Waiter<T> | null | undefined };

/** A frame waiting for the connection to come back; `slot` is absent when no reply is expected. */
interface Queued<T> {
  frame: T;
  slot: Slot<T> | undefined;
}

const CLIENT_STATE = {
  open: 'open',
  reconnecting: 'reconnecting',
  ending: 'ending',
  closed: 'closed',
} as const;
type ClientState = (typeof CLIENT_STATE)[keyof typeof CLIENT_STATE];

interface ClientSettings<T> {
  /** TLS options for every connection, reconnections included. */
  tls: TcpClientTlsOptions | undefined;
  codec: FrameCodec<T>;
  logger: Logger;
  dump: boolean;
  tap: TrafficTap | undefined;
  reconnect: ResolvedReconnect | undefined;
  onStatus: (status: TcpClientStatus) => void;
}

/**
 * One socket's share of the client: its decoder and the frames sent on it that await a
 * reply. A lost link takes its slots with it; the client goes on with a new link.
 */
interface Link<T> {
  readonly socket: Socket;
  readonly decoder: FrameDecoder<T>;
  /** The server as the connected socket names it (getpeername), for dump lines. */
  readonly peer: PeerAddress;
  readonly slots: Slot<T>[];
  slotHead: number;
  corked: boolean;
  socketError: Error | undefined;
  /** Set when we end the stream because it cannot be trusted (a reply past the codec's limit). */
  failure: TcpConnectionLostError | undefined;
}

class FramedTcpClient<T> implements TcpClient<T> {
  readonly target: TcpTarget;
  readonly #settings: ClientSettings<T>;
  #link: Link<T>;
  /** Frames made while reconnecting, sent in order once the new connection is up. */
  #queued: Queued<T>[] = [];
  readonly #unclaimed: T[] = [];
  #reader: (() => void) | undefined;
  #state: ClientState = CLIENT_STATE.open;
  #closedByUs = false;
  /** Stops a reconnect in progress when the user ends or closes the client. */
  #stopReconnecting: AbortController | undefined;
  #resolveClosed!: (result: Error | undefined) => void;
  readonly #closed: Promise<Error | undefined>;

  constructor(socket: Socket, target: TcpTarget, settings: ClientSettings<T>) {
    this.target = target;
    this.#settings = settings;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#link = this.#attach(socket);
    settings.onStatus({ type: TCP_CLIENT_STATUS.connected });
  }

  get pending(): number {
    return this.#link.slots.length - this.#link.slotHead + this.#queued.length;
  }

  request(frame: T, options: TcpRequestOptions = {}): Promise<T> {
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(new TcpAbortError({ cause: signal.reason }));
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
      return Promise.reject(
        new TcpUsageError(`timeout must be a positive number of milliseconds (got ${timeout})`),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const slot: Slot<T> = { waiter: null };
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const giveUp = (error: Error): void => {
        // Sent already: its reply, when it comes, is dropped. Still queued: never sent.
        slot.waiter = undefined;
        done();
        reject(error);
      };
      const onAbort = (): void => giveUp(new TcpAbortError({ cause: signal?.reason }));
      const done = (): void => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      };
      slot.waiter = {
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      this.#write(frame, slot);
      if (settled) return; // refused at once: the client is closed
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        // The time ran out by this process's clock, which may have been late itself (a busy
        // core, a GC pause): a reply already in the socket's buffer is read before the
        // server is judged.
        const judgeSilence = (): void => {
          if (!settled) giveUp(new TcpTimeoutError(this.target, timeout));
        };
        timer = setTimeout(() => afterPendingIo(judgeSilence), Math.min(timeout, MAX_TIMER_MS));
      }
    });
  }

  send(frame: T, options: { reply?: boolean } = {}): void {
    this.#write(frame, options.reply === false ? undefined : { waiter: null });
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
      this.#link.socket.end();
    } else if (this.#state === CLIENT_STATE.reconnecting) {
      // Nothing is connected to answer what waits: it was never sent.
      this.#stopReconnecting?.abort();
      this.#finish(undefined);
    }
    await this.#closed;
  }

  async close(): Promise<void> {
    if (this.#state !== CLIENT_STATE.closed) {
      this.#closedByUs = true;
      if (this.#state === CLIENT_STATE.reconnecting) {
        this.#stopReconnecting?.abort();
        this.#finish(undefined);
      } else {
        this.#link.socket.destroy();
      }
    }
    await this.#closed;
  }

  closed(): Promise<Error | undefined> {
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #attach(socket: Socket): Link<T> {
    if (this.#settings.tap) tapSocket(socket, this.#settings.tap);
    const link: Link<T> = {
      socket,
      decoder: this.#settings.codec.createDecoder(),
      peer: peerOf(socket, this.target),
      slots: [],
      slotHead: 0,
      corked: false,
      socketError: undefined,
      failure: undefined,
    };
    socket.on('data', (chunk: Buffer) => this.#onData(link, chunk));
    socket.on('end', () => this.#onEnd(link));
    socket.on('error', (error: Error) => (link.socketError = readableTlsError(error)));
    socket.once('close', () => this.#onClose(link));
    this.#settings.logger.debug(
      { transport: 'tcp', remote: formatEndpoint(this.target) },
      LOG_EVENT.connected,
    );
    return link;
  }

  #write(frame: T, slot: Slot<T> | undefined): void {
    if (this.#state === CLIENT_STATE.reconnecting) {
      this.#queued.push({ frame, slot });
      return;
    }
    if (this.#state !== CLIENT_STATE.open) {
      const error = new TcpClosedError('connection');
      if (slot?.waiter) slot.waiter.reject(error);
      else throw error;
      return;
    }
    this.#writeOn(this.#link, frame, slot);
  }

  #writeOn(link: Link<T>, frame: T, slot: Slot<T> | undefined): void {
    if (slot) link.slots.push(slot);
    const { codec, logger, dump } = this.#settings;
    if (dump && levelEnabled(logger, 'debug')) this.#logFrame(link, 'out', frame);
    // Frames sent in one tick (piped input) leave in one segment, not one write each.
    if (!link.corked) {
      link.corked = true;
      link.socket.cork();
      process.nextTick(() => {
        link.corked = false;
        link.socket.uncork();
      });
    }
    link.socket.write(codec.encode([frame]));
  }

  #onData(link: Link<T>, chunk: Buffer): void {
    let frames: T[];
    try {
      frames = link.decoder.push(chunk);
    } catch (error) {
      // A reply longer than the codec allows: the stream cannot be trusted past it.
      link.failure = new TcpConnectionLostError(this.target, unansweredOn(link), {
        cause: error,
      });
      link.socket.destroy();
      return;
    }
    const { logger, dump } = this.#settings;
    const dumping = dump && levelEnabled(logger, 'debug');
    for (const frame of frames) {
      if (dumping) this.#logFrame(link, 'in', frame);
      this.#deliver(link, frame);
    }
  }

  #deliver(link: Link<T>, reply: T): void {
    const slot = link.slotHead < link.slots.length ? link.slots[link.slotHead++] : undefined;
    if (link.slotHead > 1024 && link.slotHead * 2 > link.slots.length) {
      link.slots.splice(0, link.slotHead);
      link.slotHead = 0;
    }
    if (slot?.waiter) return slot.waiter.resolve(reply);
    if (slot && slot.waiter === undefined) return; // given up by its request
    this.#unclaimed.push(reply);
    this.#wakeReader();
  }

  #onEnd(link: Link<T>): void {
    // The server finished sending. Whatever is still owed will never come.
    if (this.#state === CLIENT_STATE.open && this.#settings.reconnect) {
      // Lost, not ended: close this socket now and connect again.
      link.socket.destroy();
      return;
    }
    if (this.#state === CLIENT_STATE.open) this.#state = CLIENT_STATE.ending;
    link.socket.end();
  }

  #onClose(link: Link<T>): void {
    const unanswered = unansweredOn(link);
    this.#settings.logger.debug(
      { transport: 'tcp', remote: formatEndpoint(this.target), unanswered },
      LOG_EVENT.disconnected,
    );
    if (this.#state === CLIENT_STATE.open && this.#settings.reconnect && !this.#closedByUs) {
      const lost: TcpConnectionLostError =
        link.failure ??
        new TcpConnectionLostError(this.target, unanswered, { cause: link.socketError });
      rejectSlots(link, lost);
      this.#state = CLIENT_STATE.reconnecting;
      this.#settings.onStatus({ type: TCP_CLIENT_STATUS.lost, error: lost });
      void this.#reconnect(this.#settings.reconnect, lost);
      return;
    }
    let result: Error | undefined = link.failure;
    if (!result && unanswered > 0) {
      result = this.#closedByUs
        ? new TcpClosedError('connection')
        : new TcpConnectionLostError(this.target, unanswered, { cause: link.socketError });
    }
    if (!result && link.socketError && !this.#closedByUs) {
      result = new TcpConnectionLostError(this.target, 0, { cause: link.socketError });
    }
    rejectSlots(link, result ?? new TcpClosedError('connection'));
    this.#finish(this.#closedByUs && result instanceof TcpClosedError ? undefined : result);
  }

  /** Connects again, waiting a jittered, growing delay before each attempt. */
  async #reconnect(policy: ResolvedReconnect, lost: Error): Promise<void> {
    const stop = new AbortController();
    this.#stopReconnecting = stop;
    const { logger, onStatus } = this.#settings;
    let error = lost;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const delayMs = fullJitterDelay(attempt, policy, policy.random);
      onStatus({ type: TCP_CLIENT_STATUS.reconnecting, attempt, delayMs, error });
      logger.debug({ transport: 'tcp', attempt, delayMs }, LOG_EVENT.reconnecting);
      let socket: Socket;
      try {
        await pause(delayMs, stop.signal);
        socket = await openSocket(this.target, stop.signal, this.#settings.tls);
      } catch (failure) {
        if (stop.signal.aborted) return; // end() or close() took over
        error = failure as Error;
        continue;
      }
      if (stop.signal.aborted) {
        // end() or close() came while the connection was being made.
        socket.destroy();
        return;
      }
      this.#stopReconnecting = undefined;
      this.#link = this.#attach(socket);
      this.#state = CLIENT_STATE.open;
      onStatus({ type: TCP_CLIENT_STATUS.reconnected, attempt });
      const queued = this.#queued;
      this.#queued = [];
      for (const { frame, slot } of queued) {
        // A request that timed out or was aborted while it waited is never sent.
        if (slot && slot.waiter === undefined) continue;
        this.#writeOn(this.#link, frame, slot);
      }
      return;
    }
    this.#stopReconnecting = undefined;
    onStatus({ type: TCP_CLIENT_STATUS.gaveUp, attempts: policy.maxAttempts, error });
    this.#finish(error);
  }

  /** The client is done for good: what still waits is refused, readers and closed() learn. */
  #finish(result: Error | undefined): void {
    this.#state = CLIENT_STATE.closed;
    const queued = this.#queued;
    this.#queued = [];
    for (const { slot } of queued) slot?.waiter?.reject(result ?? new TcpClosedError('connection'));
    this.#wakeReader();
    this.#resolveClosed(result);
  }

  #wakeReader(): void {
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.();
  }

  #logFrame(link: Link<T>, direction: 'in' | 'out', frame: T): void {
    this.#settings.logger.debug(
      {
        direction,
        peer: link.peer,
        ...describeBytes(this.#settings.codec.encode([frame])),
      },
      direction === 'in' ? LOG_EVENT.frameIn : LOG_EVENT.frameOut,
    );
  }
}

/**
 * Waits `ms`, or rejects at once when `signal` fires. On the global setTimeout (not
 * timers/promises) so a test's fake clock can drive the backoff.
 */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function unansweredOn<T>(link: Link<T>): number {
  return link.slots.length - link.slotHead;
}

function rejectSlots<T>(link: Link<T>, error: Error): void {
  for (let i = link.slotHead; i < link.slots.length; i++) link.slots[i].waiter?.reject(error);
  link.slots.length = 0;
  link.slotHead = 0;
}

/**
 * The other end as an object, as the server's dump lines give theirs: the address the socket
 * actually reached (`localhost` may be `::1` or `127.0.0.1`), or the socket file's path.
 */
function peerOf(socket: Socket, target: TcpTarget): PeerAddress {
  if ('path' in target) return { path: target.path };
  return { address: socket.remoteAddress ?? target.host, port: socket.remotePort ?? target.port };
}
