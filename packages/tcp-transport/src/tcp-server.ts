import {
  createServer,
  type AddressInfo,
  type ListenOptions,
  type Server,
  type Socket,
} from 'node:net';
import {
  type FrameCodec,
  type ProxyHeader,
  reusePortUnsupported,
  type TrafficTap,
} from '@netlab/protocol';
import {
  afterNextPoll,
  afterPendingIo,
  LOG_EVENT,
  silentLogger,
  WaitAbortedError,
  waitForEvent,
  type Logger,
} from '@netlab/transport-core';
import { tapSocket } from './socket-tap';
import type { TLSSocket } from 'node:tls';
import {
  TcpAbortError,
  TcpClosedError,
  TcpListenError,
  TcpUsageError,
  type TcpEndpoint,
} from './errors';
import { publishConnectionAccepted } from './diagnostics';
import { resolveLimits, type TcpLimits } from './limits';
import { readProxyHeader, type ProxyHeaderOutcome } from './proxy-header-reader';
import { NO_PROXY_HEADER, refuse } from './refusal';
import { ServerConnection, type CreateSession, type ServerContext } from './server-connection';
import {
  CLOSE_REASON,
  type ConnectionInfo,
  type PeerAddress,
  type SessionConnection,
  type SessionHandler,
} from './session';
import { TlsTerminator, type TlsHandshakeOutcome } from './tls-handshake';
import type { TcpServerTlsOptions, TlsConnectionInfo } from './tls-options';

/** What createTcpServer needs: a codec and a session per connection; the rest is optional. */
export interface TcpServerOptions<T> {
  /** How the byte stream is cut into frames and replies are written back (e.g. `lineCodec()`). */
  codec: FrameCodec<T>;
  /**
   * A fresh session for each accepted connection (not called for a `server busy` refusal).
   * `connection` lets the session speak by itself: `send(frame)` pushes a frame the client
   * did not ask for, `close()` ends the connection. A throw here closes that connection
   * (logged `Session failed`), not the server.
   */
  createSession(info: ConnectionInfo, connection: SessionConnection<T>): SessionHandler<T>;
  /**
   * The frame that carries the transport's own one-line notices (`Error: server busy`,
   * `Error: line too long (limit N bytes)`, ...). For a line codec: `(message) => message`.
   * Without it, a breach closes the connection without a word.
   */
  errorFrame?(message: string): T;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every frame in and out at debug level: length, text and hex. */
  dump?: boolean;
  /**
   * Sees every read and write of every connection, bytes as they went (`--pcap`); a TLS
   * connection's are the plaintext.
   */
  tap?: TrafficTap;
  /** Overrides of DEFAULT_LIMITS; see TcpLimits. */
  limits?: Partial<TcpLimits>;
  /**
   * Every connection starts with a PROXY protocol header (v1 or v2, as HAProxy's
   * `send-proxy` / `send-proxy-v2` and nginx's `proxy_protocol on` send it), naming the real
   * client. Its address becomes `remote` (the balancer's goes in `proxy`) and `Connection
   * accepted` is logged once the header is read. A connection without a valid header within
   * `limits.lineDeadlineMs` is closed (warn `PROXY header rejected`, then `Connection closed`
   * with reason `reset`, detail `proxy header`). Only behind a balancer you trust: anyone who
   * can reach the port can claim any address. Default false: a PROXY line is then just a line.
   */
  proxyProtocol?: boolean;
  /**
   * TLS on every connection (with `proxyProtocol`, after the header, which the balancer
   * sends in the clear). The handshake must finish within `limits.lineDeadlineMs` of the
   * connection; one that fails (plaintext on this port, a client certificate missing or not
   * trusted) is logged at warn (`TLS handshake failed`) and closed with reason
   * `tls handshake failed`, the OpenSSL reason as `detail`. Bad material throws
   * TcpTlsConfigError from createTcpServer.
   */
  tls?: TcpServerTlsOptions;
}

/** Where to listen: a host and port (port 0: the OS picks), or a Unix domain socket path. */
export type TcpListenOptions = (
  | {
      host?: string;
      port?: number;
      /**
       * SO_REUSEPORT (Node 22.12 and later; older Node: TcpUsageError): other listeners with
       * this option, in this process or others, bind the same port and the kernel spreads
       * new connections across them. Under node:cluster the listening socket is this
       * worker's own, not the primary's round-robin. Default false.
       */
      reusePort?: boolean;
    }
  | { path: string }
) & {
  /** Gives up listening (rejects with TcpAbortError) if it fires before the socket is bound. */
  signal?: AbortSignal;
};

/** Where the server listens, as bound: the real port when 0 was asked for. */
export type TcpServerAddress =
  { address: string; port: number; family: 'IPv4' | 'IPv6' } | { path: string };

/** How a TcpServer shuts down. */
export interface TcpCloseOptions {
  /** How long connections get to take their last replies before they are destroyed. Default 5000. */
  graceMs?: number;
}

/** A framed TCP (or Unix socket) server; made by createTcpServer. */
export interface TcpServer {
  /** Binds and starts accepting; resolves with the bound address. Once only. */
  listen(options?: TcpListenOptions): Promise<TcpServerAddress>;
  /**
   * Stops accepting, ends every connection after the replies to what it already sent, waits
   * up to `graceMs` for them to close, destroys the rest, then logs `Server closed`.
   * Idempotent: every call returns the same promise.
   */
  close(options?: TcpCloseOptions): Promise<void>;
  /** The bound address while listening. */
  readonly address: TcpServerAddress | undefined;
  /** Connections with a session (busy refusals not counted). */
  readonly connections: number;
  /**
   * A TLS server only: key, certificate (and CA) for connections from now on; connections
   * already open keep theirs. Throws TcpTlsConfigError on bad material, and then the
   * server keeps what it had (certificate rotation, e.g. on SIGHUP).
   */
  updateTls(options: Omit<TcpServerTlsOptions, 'requireClientCertificate'>): void;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A TcpServer's lifecycle, in order: idle, binding, listening, closing, closed. */
export const SERVER_STATE = {
  idle: 'idle',
  binding: 'binding',
  listening: 'listening',
  closing: 'closing',
  closed: 'closed',
} as const;
type ServerState = (typeof SERVER_STATE)[keyof typeof SERVER_STATE];

/** How long close() lets connections take their last replies by default. */
export const DEFAULT_GRACE_MS = 5_000;
const DEFAULT_HOST = '0.0.0.0';

/**
 * A framed TCP (or Unix socket) server: each connection gets its own session, every
 * complete frame one call to `session.handle`, and the replies of one read one write.
 * Limits and backpressure are described on {@link TcpLimits}. Logs the contract's events:
 * `Listening at`, `Connection accepted`, `Received message from client`, `Connection closed`
 * and `Server closed`.
 */
export function createTcpServer<T>(options: TcpServerOptions<T>): TcpServer {
  return new FramedTcpServer(options);
}

class FramedTcpServer<T> implements TcpServer, ServerContext<T> {
  readonly codec: FrameCodec<T>;
  readonly limits: TcpLimits;
  readonly logger: Logger;
  readonly dump: boolean;
  readonly tap: TrafficTap | undefined;
  readonly errorFrame: ((message: string) => T) | undefined;
  readonly proxyProtocol: boolean;
  address: TcpServerAddress | undefined;

  readonly #createSession: CreateSession<T>;
  readonly #server: Server;
  readonly #open = new Set<ServerConnection<T>>();
  /** Sockets whose PROXY header has not arrived yet: no session, nothing owed to them. */
  readonly #awaitingHeader = new Set<Socket>();
  /** TLS sockets still in their handshake: no session yet either. */
  readonly #handshaking = new Set<TLSSocket>();
  readonly #tls: TlsTerminator | undefined;
  #sessions = 0;
  #nextId = 1;
  #state: ServerState = SERVER_STATE.idle;
  /** What listen() was asked for: a connection may arrive before `address` is set (#serving). */
  #endpoint: TcpEndpoint | undefined;
  #binding: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;
  #allClosed: (() => void) | undefined;
  /** Ends the grace period of a shutdown: every connection still open is destroyed. */
  #cutNow: (() => void) | undefined;
  /** One timer for every connection's line deadline and idle limit (ServerConnection.checkDeadlines). */
  #deadlineSweep: NodeJS.Timeout | undefined;
  readonly #graceTimers: NodeJS.Timeout[] = [];

  constructor(options: TcpServerOptions<T>) {
    this.codec = options.codec;
    this.limits = resolveLimits(options.limits);
    this.logger = options.logger ?? silentLogger;
    this.dump = options.dump ?? false;
    this.tap = options.tap;
    this.errorFrame = options.errorFrame;
    this.proxyProtocol = options.proxyProtocol ?? false;
    this.#createSession = (info, connection) => options.createSession(info, connection);
    this.#tls = options.tls ? new TlsTerminator(options.tls) : undefined;
    // allowHalfOpen: a client that shuts down its sending side still gets every reply.
    // noDelay: replies are already batched per read, so Nagle would only add latency.
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, this.#onConnection);
  }

  get connections(): number {
    return this.#sessions;
  }

  /**
   * Whether a new connection is served rather than shut at once. `binding` counts: a socket
   * is handed connections only once it listens, and a node:cluster worker can be handed one
   * in the same turn as its 'listening' event (the primary passes the connections it holds
   * with its answer to the worker's listen), before #bind's continuation has run.
   */
  get #serving(): boolean {
    return this.#state === SERVER_STATE.binding || this.#state === SERVER_STATE.listening;
  }

  listen(options: TcpListenOptions = {}): Promise<TcpServerAddress> {
    if (this.#state !== SERVER_STATE.idle) {
      const error =
        this.#state === SERVER_STATE.closing || this.#state === SERVER_STATE.closed
          ? new TcpClosedError('server')
          : new TcpUsageError('listen() was already called on this server');
      return Promise.reject(error);
    }
    const endpoint: TcpEndpoint =
      'path' in options
        ? { path: options.path }
        : { host: options.host ?? DEFAULT_HOST, port: options.port ?? 0 };
    const { signal } = options;
    const reusePort = 'reusePort' in options && options.reusePort === true;
    const unsupported = reusePort ? reusePortUnsupported(process.versions.node) : undefined;
    if (unsupported) return Promise.reject(new TcpUsageError(`reusePort ${unsupported}`));
    if (signal?.aborted) return Promise.reject(new TcpAbortError({ cause: signal.reason }));
    this.#state = SERVER_STATE.binding;
    this.#endpoint = endpoint;
    const bound = this.#bind(endpoint, signal, reusePort);
    this.#binding = bound.catch(() => undefined);
    return bound;
  }

  async #bind(
    endpoint: TcpEndpoint,
    signal: AbortSignal | undefined,
    reusePort: boolean,
  ): Promise<TcpServerAddress> {
    const server = this.#server;
    const listening = waitForEvent(server, 'listening', signal);
    if ('path' in endpoint) server.listen(endpoint.path);
    else if (reusePort) {
      // exclusive: under node:cluster, this worker listens itself (no round-robin handle).
      const listenOptions: ListenOptions & { reusePort: boolean } = {
        port: endpoint.port,
        host: endpoint.host,
        exclusive: true,
        reusePort: true,
      };
      server.listen(listenOptions);
    } else server.listen(endpoint.port, endpoint.host);
    try {
      await listening;
    } catch (error) {
      this.#state = SERVER_STATE.closed;
      if (!(error instanceof WaitAbortedError))
        throw new TcpListenError(endpoint, { cause: error });
      server.close();
      throw new TcpAbortError({ cause: error.cause });
    }
    this.#state = SERVER_STATE.listening;
    server.on('error', this.#onServerError);
    this.#startDeadlineSweep();
    const address = boundAddress(server, endpoint);
    this.address = address;
    this.logger.info({ transport: 'tcp', ...addressFields(address) }, LOG_EVENT.listening);
    return address;
  }

  close(options: TcpCloseOptions = {}): Promise<void> {
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    // A later call may shorten the grace (a second Ctrl+C: close now), never lengthen it.
    if (!this.#closing) this.#closing = this.#shutdown(graceMs);
    else if (this.#state === SERVER_STATE.closing) this.#graceOver(graceMs);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  updateTls(options: Omit<TcpServerTlsOptions, 'requireClientCertificate'>): void {
    if (!this.#tls) throw new TcpUsageError('updateTls() on a server made without tls');
    this.#tls.update(options);
  }

  connectionClosed(connection: ServerConnection<T>): void {
    this.#open.delete(connection);
    if (!connection.refused) this.#sessions--;
    if (this.#open.size === 0) this.#allClosed?.();
  }

  /**
   * The line deadline and the idle limit, for every connection on one timer. A limit fires at
   * most a tenth of the shorter one (at most 1 s, at least 10 ms) late, the idle limit one
   * sweep more (see ServerConnection.idleOverdue). The overdue are judged again once pending
   * reads are done: a timer runs before I/O, and the rest of a line (or a line that saves an
   * idle client) may have waited in the kernel while this server was the one late.
   */
  #startDeadlineSweep(): void {
    const shortestMs = Math.min(this.limits.lineDeadlineMs, this.limits.idleTimeoutMs);
    const everyMs = Math.min(1000, Math.max(10, Math.floor(shortestMs / 10)));
    this.#deadlineSweep = setInterval(() => {
      const now = performance.now();
      let overdue: ServerConnection<T>[] | undefined;
      for (const connection of this.#open) {
        // Both asked of each: idleOverdue also notes the connection's traffic.
        const idle = connection.idleOverdue(now);
        if (connection.lineOverdue(now) || idle) (overdue ??= []).push(connection);
      }
      if (!overdue) return;
      const suspects = overdue;
      afterPendingIo(() => {
        const later = performance.now();
        for (const connection of suspects) connection.checkDeadlines(later);
      });
    }, everyMs);
    this.#deadlineSweep.unref();
  }

  #graceOver(graceMs: number): void {
    if (graceMs <= 0) this.#cutNow?.();
    else this.#graceTimers.push(setTimeout(() => this.#cutNow?.(), graceMs));
  }

  async #shutdown(graceMs: number): Promise<void> {
    const graceOver = new Promise<void>((resolve) => (this.#cutNow = resolve));
    this.#graceOver(graceMs);
    // close() while bind is in flight: let it finish, then close what it opened.
    if (this.#state === SERVER_STATE.binding) await this.#binding;
    const wasListening = this.#state === SERVER_STATE.listening;
    this.#state = SERVER_STATE.closing;
    clearInterval(this.#deadlineSweep);
    // Nothing is owed to a connection still without its PROXY header: drop it now. Its
    // 'Connection closed' comes from its own close listener, registered before these.
    const headerless = [...this.#awaitingHeader].map(
      (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    for (const socket of this.#awaitingHeader) socket.destroy();
    headerless.push(
      ...[...this.#handshaking].map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      ),
    );
    for (const socket of this.#handshaking) socket.destroy();
    if (wasListening) {
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      // What the kernel already holds was sent before the stop: read it first (one poll
      // phase), and the drain answers it. A server that was late, and accepted a connection
      // in the same loop turn as the signal, had not read that connection's first line yet,
      // and would have closed it as owed nothing.
      if (this.#open.size > 0) await afterNextPoll();
      if (this.#open.size > 0) {
        const allClosed = new Promise<void>((resolve) => (this.#allClosed = resolve));
        for (const connection of this.#open) connection.shutdown();
        await Promise.race([allClosed, graceOver]);
        for (const connection of this.#open) connection.destroy();
        await allClosed;
      }
      await Promise.all(headerless);
      await stopped;
    }
    for (const timer of this.#graceTimers) clearTimeout(timer);
    this.#state = SERVER_STATE.closed;
    this.address = undefined;
    if (wasListening) this.logger.info({ transport: 'tcp' }, LOG_EVENT.serverClosed);
  }

  readonly #onConnection = (socket: Socket): void => {
    const id = this.#nextId++;
    const connectedAt = performance.now();
    if (!this.proxyProtocol || !this.#serving) {
      return this.#secure(id, socket, connectedAt);
    }
    this.#awaitingHeader.add(socket);
    readProxyHeader(socket, this.limits.lineDeadlineMs, (outcome) => {
      this.#awaitingHeader.delete(socket);
      if (outcome.ok) this.#secure(id, socket, connectedAt, outcome.header, outcome.rest);
      else this.#refuseWithoutHeader(id, socket, outcome);
    });
  };

  /**
   * On a TLS server, the handshake, within what is left of the line deadline; then (or on a
   * plaintext server, at once) the connection is accepted.
   */
  #secure(
    id: number,
    socket: Socket,
    connectedAt: number,
    header?: ProxyHeader,
    rest?: Buffer,
  ): void {
    const tls = this.#tls;
    if (!tls || !this.#serving) return this.#accept(id, socket, header, rest);
    // The bytes read past the PROXY header are the start of the ClientHello.
    if (rest && rest.length > 0) socket.unshift(rest);
    // Named now: a socket that failed its handshake is destroyed and no longer knows its peer.
    const { remote } = this.#connectionInfo(id, socket, header);
    const remainingMs = this.limits.lineDeadlineMs - (performance.now() - connectedAt);
    const tlsSocket = tls.handshake(socket, remainingMs, (outcome) => {
      this.#handshaking.delete(outcome.socket);
      if (outcome.ok) this.#accept(id, outcome.socket, header, undefined, outcome.tls);
      else this.#refuseHandshake(id, remote, outcome);
    });
    this.#handshaking.add(tlsSocket);
  }

  /** What a connection is told about itself, the client as the PROXY header names it. */
  #connectionInfo(id: number, socket: Socket, header?: ProxyHeader): ConnectionInfo {
    const info: ConnectionInfo = {
      id,
      remote: remoteOf(socket, this.#endpoint),
      local: localOf(socket, this.#endpoint),
    };
    if (header) {
      info.proxy = info.remote;
      // LOCAL (the balancer's own health check) and UNKNOWN name no client: keep the socket's.
      if (header.command === 'proxy' && header.source) info.remote = { ...header.source };
    }
    return info;
  }

  /** A connection with its client known: logged, then served (or refused as busy). */
  #accept(
    id: number,
    socket: Socket,
    header?: ProxyHeader,
    rest?: Buffer,
    tls?: TlsConnectionInfo,
  ): void {
    const info = this.#connectionInfo(id, socket, header);
    if (tls) info.tls = tls;
    this.logger.info(
      {
        connection: id,
        remote: info.remote,
        local: info.local,
        ...(info.proxy ? { proxy: info.proxy } : {}),
        ...(info.tls ? { tls: info.tls } : {}),
      },
      LOG_EVENT.connectionAccepted,
    );
    if (!this.#serving) {
      // Accepted in the same tick as close(): shut at once, as a closed server would.
      socket.on('error', ignoreError);
      socket.destroy();
      this.logger.info({ connection: id, reason: 'shutdown' }, LOG_EVENT.connectionClosed);
      return;
    }
    publishConnectionAccepted(info, socket);
    const busy = this.#sessions >= this.limits.maxConnections;
    if (!busy) this.#sessions++;
    if (this.tap) tapSocket(socket, this.tap);
    this.#open.add(
      new ServerConnection(this, socket, info, busy ? undefined : this.#createSession),
    );
    if (header) {
      // The header reader paused the socket; the bytes it read past the header go first.
      if (rest && rest.length > 0) socket.unshift(rest);
      socket.resume();
    }
  }

  /**
   * No valid PROXY header: this is not the balancer speaking (or it is misconfigured).
   * Logged with the problem; a peer still there gets one line saying what this port expects.
   */
  #refuseWithoutHeader(
    id: number,
    socket: Socket,
    outcome: Extract<ProxyHeaderOutcome, { ok: false }>,
  ): void {
    socket.on('error', ignoreError);
    const stopping = !this.#serving;
    if (!stopping) {
      this.logger.warn(
        { connection: id, peer: remoteOf(socket, this.#endpoint), problem: outcome.problem },
        LOG_EVENT.proxyHeaderRejected,
      );
    }
    const { reason, detail } = NO_PROXY_HEADER;
    const fields = stopping
      ? { connection: id, reason: CLOSE_REASON.shutdown }
      : { connection: id, reason, detail };
    const logClosed = (): void => this.logger.info(fields, LOG_EVENT.connectionClosed);
    if (socket.destroyed) return logClosed();
    socket.once('close', logClosed);
    if (outcome.gone || stopping) {
      socket.destroy();
      return;
    }
    const { errorFrame } = this;
    refuse(
      socket,
      errorFrame ? this.codec.encode([errorFrame(NO_PROXY_HEADER.notice)]) : undefined,
    );
  }

  /**
   * A failed handshake: one warn line with OpenSSL's reason, the socket closed, every other
   * client served on. One that merely ran out of time is a slow client, closed as a
   * slowloris is (`idle timeout`); a peer that left without a byte of TLS (a port probe, a
   * TCP health check) closed it, as any client may (`client closed`).
   */
  #refuseHandshake(
    id: number,
    remote: PeerAddress,
    outcome: Extract<TlsHandshakeOutcome, { ok: false }>,
  ): void {
    const { socket } = outcome;
    socket.on('error', ignoreError);
    const stopping = !this.#serving;
    const fields = stopping
      ? { connection: id, reason: CLOSE_REASON.shutdown }
      : outcome.timedOut
        ? { connection: id, reason: CLOSE_REASON.idleTimeout, detail: 'tls handshake' }
        : outcome.silent
          ? { connection: id, reason: CLOSE_REASON.clientClosed, detail: 'before tls handshake' }
          : { connection: id, reason: CLOSE_REASON.tlsHandshakeFailed, detail: outcome.problem };
    if (!stopping && !outcome.timedOut && !outcome.silent) {
      this.logger.warn(
        { connection: id, remote, problem: outcome.problem },
        LOG_EVENT.tlsHandshakeFailed,
      );
    }
    const logClosed = (): void => this.logger.info(fields, LOG_EVENT.connectionClosed);
    if (socket.destroyed && socket.closed) return logClosed();
    socket.once('close', logClosed);
    socket.destroy();
  }

  readonly #onServerError = (error: NodeJS.ErrnoException): void => {
    // After bind, errors come from accept() (EMFILE, ENFILE): that one client is lost,
    // the server goes on.
    this.logger.warn({ transport: 'tcp', code: error.code, err: error }, LOG_EVENT.acceptFailed);
  };
}

function ignoreError(): void {
  // The socket is being destroyed; a late reset on it means nothing.
}

function boundAddress(server: Server, endpoint: TcpEndpoint): TcpServerAddress {
  if ('path' in endpoint) return { path: endpoint.path };
  const info = server.address() as AddressInfo;
  return {
    address: info.address,
    port: info.port,
    family: info.family === 'IPv6' ? 'IPv6' : 'IPv4',
  };
}

function addressFields(address: TcpServerAddress): Record<string, unknown> {
  return 'path' in address
    ? { path: address.path }
    : { address: address.address, port: address.port };
}

function remoteOf(socket: Socket, server: TcpEndpoint | undefined): PeerAddress {
  // A Unix socket client is unnamed, as Python's getpeername() shows it: ''.
  if (server && 'path' in server) return { path: '' };
  return { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
}

function localOf(socket: Socket, server: TcpEndpoint | undefined): PeerAddress {
  if (server && 'path' in server) return { path: server.path };
  return { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
}
