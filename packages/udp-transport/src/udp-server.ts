import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import {
  decodeEnvelope,
  encodeEnvelope,
  isEnveloped,
  reusePortUnsupported,
  type TrafficTap,
} from '@netlab/protocol';
import {
  LOG_EVENT,
  silentLogger,
  WaitAbortedError,
  waitForEvent,
  watchLoopStalls,
  type Logger,
  type LoopStalls,
} from '@netlab/transport-core';
import { dumpDatagram, type Peer } from './datagram-dump';
import { tapDatagram } from './datagram-tap';
import { UdpAbortError, UdpBindError, UdpClosedError, UdpUsageError } from './errors';
import {
  handlingStarted,
  publishDatagramAnswered,
  publishDatagramDropped,
  publishDatagramReceived,
  UDP_DROP_REASON,
} from './diagnostics';
import { RateLimiter, type RateLimitOptions } from './rate-limiter';
import { resolveHost } from './resolve-host';

/**
 * Answers one request payload: the reply bytes, or `undefined` for no reply, at once or
 * through a Promise (a handler that awaits a store). The transport drops (with a warning)
 * any reply larger than the datagram it answers. A throw or a rejection: no reply, a
 * `Handler failed` line, and the server serves on.
 */
export type UdpHandler = (
  payload: Buffer,
  remote: Peer,
) => Buffer | undefined | PromiseLike<Buffer | undefined>;

/** Handlers one server may be awaiting at once by default (UdpServerOptions.maxInFlight). */
export const DEFAULT_UDP_MAX_IN_FLIGHT = 1024;

/** How long close() waits for handlers in flight by default. */
export const DEFAULT_UDP_GRACE_MS = 5_000;

/** What createUdpServer needs: a handler, and optionally a logger, dumps and a rate limit. */
export interface UdpServerOptions {
  /** Called once per datagram with its payload; its return value is the reply. */
  handler: UdpHandler;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every datagram in and out at debug level (direction, peer, length, text, hex). */
  dump?: boolean;
  /** Sees every datagram in and out, bytes as on the wire (`--pcap`). */
  tap?: TrafficTap;
  /** Per-source token bucket; off when absent. */
  rateLimit?: RateLimitOptions;
  /**
   * Handlers (that returned a Promise) awaited at once, server-wide; a datagram that
   * arrives while this many are in flight is dropped and counted (`dropped`), never queued.
   * Default DEFAULT_UDP_MAX_IN_FLIGHT (1024).
   */
  maxInFlight?: number;
}

/** How a UdpServer shuts down. */
export interface UdpCloseOptions {
  /** How long handlers in flight get to answer before the socket closes. Default 5000. */
  graceMs?: number;
}

/** Where a UdpServer binds. */
export interface UdpListenOptions {
  /** Default `0.0.0.0`. An IPv6 address (`::`, `::1`) or a host name works too. */
  host?: string;
  /** Default 0: the OS picks a free port, which `listen` reports. */
  port?: number;
  /** Gives up binding (rejects with UdpAbortError) if it fires first. */
  signal?: AbortSignal;
  /**
   * SO_REUSEPORT (Node 22.12 and later; older Node: UdpUsageError): other sockets with this
   * option, in this process or others, bind the same port and the kernel spreads datagrams
   * across them by source address and port. Under node:cluster the socket is this worker's
   * own, not one shared through the primary. Default false.
   */
  reusePort?: boolean;
}

/** The address a UdpServer is bound to: the real port when 0 was asked for. */
export interface UdpServerAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** A bound (or bindable) request/reply UDP server; made by createUdpServer. */
export interface UdpServer {
  /** Binds the socket; resolves with the real address once datagrams can arrive. */
  listen(options?: UdpListenOptions): Promise<UdpServerAddress>;
  /**
   * Stops receiving, waits up to `graceMs` for the handlers in flight (their replies are
   * sent), closes the socket and logs `Server closed`. Idempotent: every call gets the same
   * promise; a later call with a shorter grace (a second Ctrl+C: 0) cuts the wait short.
   */
  close(options?: UdpCloseOptions): Promise<void>;
  /** The bound address while listening. */
  readonly address: UdpServerAddress | undefined;
  /** Handlers awaited now. */
  readonly inFlight: number;
  /** Datagrams dropped, unanswered, because `maxInFlight` handlers were awaited. */
  readonly dropped: number;
}

const SERVER_STATE = {
  IDLE: 'idle',
  BINDING: 'binding',
  LISTENING: 'listening',
  CLOSED: 'closed',
} as const;
type ServerState = (typeof SERVER_STATE)[keyof typeof SERVER_STATE];

// Bursts of datagrams queue in the kernel while the event loop is busy; the default
// receive buffer (~200 KiB) overflows after a few dozen full-size datagrams.
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** A request/response UDP server generic over a handler. See the package README. */
export function createUdpServer(options: UdpServerOptions): UdpServer {
  const { handler, dump = false, tap } = options;
  const logger = options.logger ?? silentLogger;
  /** How late this server's loop ran while listening: the rate limiter gives that time back. */
  let stalls: LoopStalls | undefined;
  const limiter = options.rateLimit
    ? new RateLimiter(options.rateLimit, {
        now: () => performance.now(),
        lateMs: () => stalls?.lateMs() ?? 0,
      })
    : undefined;
  const maxInFlight = options.maxInFlight ?? DEFAULT_UDP_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new UdpUsageError(`maxInFlight must be an integer of at least 1 (got ${maxInFlight})`);
  }
  let state: ServerState = SERVER_STATE.IDLE;
  let socket: Socket | undefined;
  let bound: UdpServerAddress | undefined;
  let closing: Promise<void> | undefined;
  let inFlight = 0;
  let dropped = 0;
  /** Called when the last handler in flight settles, while close() waits for it. */
  let drained: (() => void) | undefined;
  /** Ends close()'s wait for handlers in flight. */
  let cutWait: (() => void) | undefined;

  function onMessage(datagram: Buffer, rinfo: RemoteInfo): void {
    const remote: Peer = { address: rinfo.address, port: rinfo.port };
    publishDatagramReceived(remote, datagram.length);
    if (tap && socket) tapDatagram(tap, socket, 'in', remote, datagram);
    if (limiter && !limiter.allow(rinfo.address)) {
      publishDatagramDropped(remote, datagram.length, UDP_DROP_REASON.rateLimited);
      // debug, not warn: a flood must not turn into a flood of log lines.
      logger.debug({ remote, bytes: datagram.length }, LOG_EVENT.overRateLimit);
      return;
    }
    logger.info({ remote, bytes: datagram.length }, LOG_EVENT.messageReceived);
    if (dump) dumpDatagram(logger, 'in', remote, datagram);

    let id: number | undefined;
    let payload = datagram;
    if (isEnveloped(datagram)) {
      try {
        ({ id, payload } = decodeEnvelope(datagram));
      } catch (error) {
        // No reply to unverified junk: answering it would make us a reflector.
        logger.warn({ remote, bytes: datagram.length, err: error }, LOG_EVENT.malformedEnvelope);
        publishDatagramDropped(remote, datagram.length, UDP_DROP_REASON.malformed);
        return;
      }
    }

    if (inFlight >= maxInFlight) {
      // Every handler slot is taken: queueing would let a flood grow memory without bound.
      dropped++;
      logger.debug({ remote, bytes: datagram.length, inFlight }, LOG_EVENT.overInFlightCap);
      publishDatagramDropped(remote, datagram.length, UDP_DROP_REASON.inFlightCap);
      return;
    }
    let outcome: ReturnType<UdpHandler>;
    const startedAt = handlingStarted();
    try {
      outcome = handler(payload, remote);
    } catch (error) {
      logger.error({ remote, err: error }, LOG_EVENT.handlerFailed);
      publishDatagramDropped(remote, datagram.length, UDP_DROP_REASON.handlerFailed);
      return;
    }
    // The one check the synchronous path pays for asynchronous handlers.
    if (typeof (outcome as { then?: unknown } | undefined)?.then === 'function') {
      inFlight++;
      (outcome as PromiseLike<Buffer | undefined>).then(
        // In flight until the reply is handed to the socket: close() waits for that too.
        (reply) => sendReply(reply, id, datagram.length, remote, rinfo, settled, startedAt),
        (error: unknown) => {
          settled();
          logger.warn({ remote, err: error }, LOG_EVENT.handlerFailed);
          publishDatagramDropped(remote, datagram.length, UDP_DROP_REASON.handlerFailed);
        },
      );
      return;
    }
    sendReply(
      outcome as Buffer | undefined,
      id,
      datagram.length,
      remote,
      rinfo,
      undefined,
      startedAt,
    );
  }

  function settled(): void {
    inFlight--;
    if (inFlight === 0) drained?.();
  }

  /** Wraps the reply as the request came (enveloped or plain) and sends it, if it fits. */
  function sendReply(
    reply: Buffer | undefined,
    id: number | undefined,
    requestBytes: number,
    remote: Peer,
    rinfo: RemoteInfo,
    sent?: () => void,
    startedAt = 0,
  ): void {
    if (reply === undefined) publishDatagramDropped(remote, requestBytes, UDP_DROP_REASON.noReply);
    if (reply === undefined || !socket) return sent?.();
    const out = id === undefined ? reply : encodeEnvelope(id, reply);
    if (out.length > requestBytes) {
      logger.warn({ remote, bytes: requestBytes, replyBytes: out.length }, LOG_EVENT.replyTooLarge);
      publishDatagramDropped(remote, requestBytes, UDP_DROP_REASON.tooLarge);
      return sent?.();
    }
    if (dump) dumpDatagram(logger, 'out', remote, out);
    if (tap) tapDatagram(tap, socket, 'out', remote, out);
    publishDatagramAnswered(remote, requestBytes, out.length, startedAt);
    socket.send(out, rinfo.port, rinfo.address, (error) => {
      if (error) logger.warn({ remote, err: error }, LOG_EVENT.sendFailed);
      sent?.();
    });
  }

  function onRuntimeError(error: Error): void {
    // After bind, socket errors are per-datagram trouble (e.g. ICMP feedback); keep serving.
    logger.warn({ err: error }, LOG_EVENT.socketError);
  }

  async function listen(listenOptions: UdpListenOptions = {}): Promise<UdpServerAddress> {
    const { host = '0.0.0.0', port = 0, signal, reusePort = false } = listenOptions;
    if (state === SERVER_STATE.CLOSED) throw new UdpClosedError('server');
    if (state !== SERVER_STATE.IDLE)
      throw new UdpUsageError('listen() was already called on this server');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UdpUsageError(`port must be an integer from 0 to 65535 (got ${port})`);
    }
    const unsupported = reusePort ? reusePortUnsupported(process.versions.node) : undefined;
    if (unsupported) throw new UdpUsageError(`reusePort ${unsupported}`);
    if (signal?.aborted) throw new UdpAbortError({ cause: signal.reason });
    state = SERVER_STATE.BINDING;

    let resolved;
    try {
      resolved = await resolveHost(host);
    } catch (error) {
      if ((state as ServerState) !== SERVER_STATE.CLOSED) state = SERVER_STATE.IDLE;
      throw new UdpBindError({ host, port }, { cause: error });
    }
    // close() may have run while the name was being resolved.
    if ((state as ServerState) === SERVER_STATE.CLOSED) throw new UdpClosedError('server');
    const socketOptions: SocketOptions & { reusePort?: boolean } = {
      type: resolved.family === 6 ? 'udp6' : 'udp4',
      // Only when asked: Node before 22.12 has no such option (@types/node 20 lacks it too).
      ...(reusePort ? { reusePort: true } : {}),
    };
    const sock = createSocket(socketOptions);
    socket = sock;

    try {
      const listening = waitForEvent(sock, 'listening', signal);
      // exclusive: under node:cluster, a reusePort socket is bound by this worker itself.
      sock.bind({ port, address: resolved.address, exclusive: reusePort });
      await listening;
    } catch (error) {
      socket = undefined;
      sock.close();
      if ((state as ServerState) !== SERVER_STATE.CLOSED) state = SERVER_STATE.IDLE;
      if (error instanceof WaitAbortedError) throw new UdpAbortError({ cause: error.cause });
      throw new UdpBindError({ host, port }, { cause: error });
    }
    // close() ran while binding: the bind was let finish, and what it opened is closed here.
    if ((state as ServerState) === SERVER_STATE.CLOSED) {
      if (socket === sock) socket = undefined;
      sock.close();
      throw new UdpClosedError('server');
    }

    try {
      sock.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch {
      // The kernel caps the size (net.core.rmem_max); the default still works, only smaller.
    }
    if (limiter) stalls = watchLoopStalls();
    sock.on('message', onMessage);
    sock.on('error', onRuntimeError);
    const info = sock.address();
    bound = {
      address: info.address,
      port: info.port,
      family: info.family === 'IPv6' ? 'IPv6' : 'IPv4',
    };
    state = SERVER_STATE.LISTENING;
    logger.info(
      { transport: 'udp', address: bound.address, port: bound.port },
      LOG_EVENT.listening,
    );
    return bound;
  }

  function close(closeOptions: UdpCloseOptions = {}): Promise<void> {
    const graceMs = closeOptions.graceMs ?? DEFAULT_UDP_GRACE_MS;
    if (closing) {
      // A later call may shorten the wait (a second Ctrl+C), never lengthen it.
      if (graceMs <= 0) cutWait?.();
      return closing;
    }
    const wasListening = state === SERVER_STATE.LISTENING;
    state = SERVER_STATE.CLOSED;
    const sock = socket;
    bound = undefined;
    if (!sock || !wasListening) {
      // Not bound yet (or binding): a pending bind sees CLOSED and closes its own socket.
      closing = Promise.resolve();
      return closing;
    }
    sock.off('message', onMessage);
    stalls?.stop();
    closing = (async () => {
      if (inFlight > 0) {
        // Replies of handlers in flight still go out through the open socket.
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          drained = resolve;
          cutWait = resolve;
          if (graceMs <= 0) resolve();
          else timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
      }
      socket = undefined;
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      sock.off('error', onRuntimeError);
      logger.info({}, LOG_EVENT.serverClosed);
    })();
    return closing;
  }

  return {
    listen,
    close,
    get address() {
      return bound;
    },
    get inFlight() {
      return inFlight;
    },
    get dropped() {
      return dropped;
    },
  };
}
