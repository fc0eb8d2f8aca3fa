import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  decodeEnvelope,
  encodeEnvelope,
  isEnveloped,
  silentLogger,
  type Logger,
} from '@netlab/protocol';
import { dumpDatagram, type Peer } from './datagram-dump';
import { UdpAbortError, UdpBindError, UdpClosedError, UdpUsageError } from './errors';
import { RateLimiter, type RateLimitOptions } from './rate-limiter';
import { resolveHost } from './resolve-host';

/**
 * Answers one request payload. Return the reply bytes, or `undefined` for no reply.
 * The transport drops (with a warning) any reply larger than the datagram it answers.
 */
export type UdpHandler = (payload: Buffer, remote: Peer) => Buffer | undefined;

/** What createUdpServer needs: a handler, and optionally a logger, dumps and a rate limit. */
export interface UdpServerOptions {
  /** Called once per datagram with its payload; its return value is the reply. */
  handler: UdpHandler;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every datagram in and out at debug level (direction, peer, length, text, hex). */
  dump?: boolean;
  /** Per-source token bucket; off when absent. */
  rateLimit?: RateLimitOptions;
}

/** Where a UdpServer binds. */
export interface UdpListenOptions {
  /** Default `0.0.0.0`. An IPv6 address (`::`, `::1`) or a host name works too. */
  host?: string;
  /** Default 0: the OS picks a free port, which `listen` reports. */
  port?: number;
  /** Gives up binding (rejects with UdpAbortError) if it fires first. */
  signal?: AbortSignal;
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
  /** Closes the socket and logs `Server closed`. Idempotent: every call gets the same promise. */
  close(): Promise<void>;
  /** The bound address while listening. */
  readonly address: UdpServerAddress | undefined;
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
  const { handler, dump = false } = options;
  const logger = options.logger ?? silentLogger;
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
  let state: ServerState = SERVER_STATE.IDLE;
  let socket: Socket | undefined;
  let bound: UdpServerAddress | undefined;
  let closing: Promise<void> | undefined;

  function onMessage(datagram: Buffer, rinfo: RemoteInfo): void {
    const remote: Peer = { address: rinfo.address, port: rinfo.port };
    if (limiter && !limiter.allow(rinfo.address)) {
      // debug, not warn: a flood must not turn into a flood of log lines.
      logger.debug({ remote, bytes: datagram.length }, 'Dropped datagram over rate limit');
      return;
    }
    logger.info({ remote, bytes: datagram.length }, 'Received message from client');
    if (dump) dumpDatagram(logger, 'in', remote, datagram);

    let id: number | undefined;
    let payload = datagram;
    if (isEnveloped(datagram)) {
      try {
        ({ id, payload } = decodeEnvelope(datagram));
      } catch (error) {
        // No reply to unverified junk: answering it would make us a reflector.
        logger.warn({ remote, bytes: datagram.length, err: error }, 'Dropped malformed envelope');
        return;
      }
    }

    let reply: Buffer | undefined;
    try {
      reply = handler(payload, remote);
    } catch (error) {
      logger.error({ remote, err: error }, 'Handler failed');
      return;
    }
    if (reply === undefined) return;
    const out = id === undefined ? reply : encodeEnvelope(id, reply);
    if (out.length > datagram.length) {
      logger.warn(
        { remote, bytes: datagram.length, replyBytes: out.length },
        'Dropped reply larger than request',
      );
      return;
    }
    if (dump) dumpDatagram(logger, 'out', remote, out);
    socket?.send(out, rinfo.port, rinfo.address, (error) => {
      if (error) logger.warn({ remote, err: error }, 'Could not send reply');
    });
  }

  function onRuntimeError(error: Error): void {
    // After bind, socket errors are per-datagram trouble (e.g. ICMP feedback); keep serving.
    logger.warn({ err: error }, 'Socket error');
  }

  async function listen(listenOptions: UdpListenOptions = {}): Promise<UdpServerAddress> {
    const { host = '0.0.0.0', port = 0, signal } = listenOptions;
    if (state === SERVER_STATE.CLOSED) throw new UdpClosedError('server');
    if (state !== SERVER_STATE.IDLE)
      throw new UdpUsageError('listen() was already called on this server');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UdpUsageError(`port must be an integer from 0 to 65535 (got ${port})`);
    }
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
    const sock = createSocket({ type: resolved.family === 6 ? 'udp6' : 'udp4' });
    socket = sock;

    await new Promise<void>((resolve, reject) => {
      function cleanup(): void {
        sock.off('listening', onListening);
        sock.off('error', onBindError);
        sock.off('close', onClosedWhileBinding);
        signal?.removeEventListener('abort', onAbort);
      }
      function onClosedWhileBinding(): void {
        cleanup();
        reject(new UdpClosedError('server'));
      }
      function onListening(): void {
        cleanup();
        resolve();
      }
      function onBindError(error: Error): void {
        cleanup();
        sock.close();
        reject(new UdpBindError({ host, port }, { cause: error }));
      }
      function onAbort(): void {
        cleanup();
        sock.close();
        reject(new UdpAbortError({ cause: signal?.reason }));
      }
      sock.once('listening', onListening);
      sock.once('error', onBindError);
      sock.once('close', onClosedWhileBinding);
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.bind(port, resolved.address);
    }).catch((error: unknown) => {
      socket = undefined;
      if ((state as ServerState) !== SERVER_STATE.CLOSED) state = SERVER_STATE.IDLE;
      throw error;
    });

    try {
      sock.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch {
      // The kernel caps the size (net.core.rmem_max); the default still works, only smaller.
    }
    sock.on('message', onMessage);
    sock.on('error', onRuntimeError);
    const info = sock.address();
    bound = {
      address: info.address,
      port: info.port,
      family: info.family === 'IPv6' ? 'IPv6' : 'IPv4',
    };
    state = SERVER_STATE.LISTENING;
    logger.info({ transport: 'udp', address: bound.address, port: bound.port }, 'Listening at');
    return bound;
  }

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      const wasListening = state === SERVER_STATE.LISTENING;
      state = SERVER_STATE.CLOSED;
      const sock = socket;
      socket = undefined;
      bound = undefined;
      if (!sock || !wasListening) {
        // Not bound yet (or binding): a pending bind sees CLOSED and closes its own socket.
        sock?.close();
        resolve();
        return;
      }
      sock.off('message', onMessage);
      sock.close(() => {
        sock.off('error', onRuntimeError);
        logger.info({}, 'Server closed');
        resolve();
      });
    });
    return closing;
  }

  return {
    listen,
    close,
    get address() {
      return bound;
    },
  };
}
