import { createSocket, type Socket } from 'node:dgram';
import {
  decodeEnvelope,
  encodeEnvelope,
  ENVELOPE_HEADER_BYTES,
  fullJitterDelay,
  isEnveloped,
  MAX_UDP_PAYLOAD_BYTES,
  type RandomSource,
  type TrafficTap,
} from '@netlab/protocol';
import {
  afterPendingIo,
  LOG_EVENT,
  silentLogger,
  WaitAbortedError,
  waitForEvent,
  type Logger,
} from '@netlab/transport-core';
import { dumpDatagram, type Peer } from './datagram-dump';
import { tapDatagram } from './datagram-tap';
import {
  UdpAbortError,
  UdpClosedError,
  UdpConnectError,
  UdpMessageTooLargeError,
  UdpSendError,
  UdpTimeoutError,
  UdpUsageError,
} from './errors';
import { resolveHost } from './resolve-host';

/** The largest payload `request` accepts: one datagram minus the envelope header. */
export const MAX_REQUEST_PAYLOAD_BYTES = MAX_UDP_PAYLOAD_BYTES - ENVELOPE_HEADER_BYTES;

/** The first wait for a reply, in ms; doubled on each retry. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Re-sends after the first try: four tries in all. */
export const DEFAULT_RETRIES = 3;
/** The longest a retry waits for a reply, in ms, however many retries came before. */
export const DEFAULT_MAX_TIMEOUT_MS = 30_000;

/** Which server a UdpClient talks to, and how it logs. */
export interface UdpClientOptions {
  /** An IPv4 or IPv6 address, or a host name resolved once at connect. */
  host: string;
  /** The server's port, 1 to 65535. */
  port: number;
  /** pino or anything with its shape; silent when absent. */
  logger?: Logger;
  /** Log every datagram in and out at debug level. */
  dump?: boolean;
  /** Sees every datagram in and out, bytes as on the wire (`--pcap`). */
  tap?: TrafficTap;
  /** Numbers in [0, 1) for the retries' jitter; Math.random by default (a test passes a fixed one). */
  random?: RandomSource;
}

/** How long one request waits, and how often it is re-sent. */
export interface UdpRequestOptions {
  /**
   * First wait in ms. Each retry's wait is drawn at random ("full jitter") from 0 up to a
   * ceiling that doubles on each retry (2×, 4×, ... the first wait), so clients that lost
   * the same server do not retry in lockstep. Default 1000.
   */
  timeout?: number;
  /**
   * No retry waits longer than this, in ms, however many came before. Default 30,000. The
   * first wait is `timeout` even if that is longer.
   */
  maxTimeout?: number;
  /** Re-sends after the first try. Default 3, so 4 tries in all. */
  retries?: number;
  /** Gives up (rejects with UdpAbortError) if it fires before the reply; sends no more tries. */
  signal?: AbortSignal;
}

/** A request/reply UDP client; made by createUdpClient. */
export interface UdpClient {
  /** Resolves the host and connects the socket, so the kernel drops datagrams from anyone else. Idempotent. */
  connect(): Promise<void>;
  /**
   * Sends `payload` in an envelope with a fresh id and resolves with the payload of the reply
   * carrying that id. Rejects with UdpTimeoutError after the last try, UdpAbortError,
   * UdpMessageTooLargeError (nothing sent), UdpSendError or UdpClosedError.
   */
  request(payload: Uint8Array | string, options?: UdpRequestOptions): Promise<Buffer>;
  /** Closes the socket; pending requests reject with UdpClosedError. Idempotent. */
  close(): Promise<void>;
  /** The server's address: the resolved one once connected. */
  readonly remote: Peer;
}

interface PendingRequest {
  resolve(reply: Buffer): void;
  reject(error: Error): void;
}

const CLIENT_STATE = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  CLOSED: 'closed',
} as const;
type ClientState = (typeof CLIENT_STATE)[keyof typeof CLIENT_STATE];

// A retry timer may not exceed setTimeout's 32-bit limit, whatever the backoff says.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Kernel feedback that means "nothing answered yet" on a connected socket (ICMP port or
// host unreachable). The request keeps its remaining tries; the server may come up.
const TRANSIENT_SEND_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

/**
 * How long to wait for a reply after try `attempt`: the whole first wait (a reply that is
 * merely slow should not cost a second datagram), then full jitter below a ceiling that
 * doubles from it, never past `maxDelayMs`.
 */
function waitAfterTry(
  attempt: number,
  backoff: { initialDelayMs: number; maxDelayMs: number },
  random: RandomSource,
): number {
  return attempt === 1 ? backoff.initialDelayMs : fullJitterDelay(attempt, backoff, random);
}

/** A request/response UDP client with ids, retries and exponential backoff. See the package README. */
export function createUdpClient(options: UdpClientOptions): UdpClient {
  const { host, port, dump = false, tap, random = Math.random } = options;
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UdpUsageError(`port must be an integer from 1 to 65535 (got ${port})`);
  }
  const endpoint = { host, port };
  let remote: Peer = { address: host, port };
  let state: ClientState = CLIENT_STATE.IDLE;
  let socket: Socket | undefined;
  let connecting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  /** Aborted by close(): ends a connect() still waiting for the socket. */
  const closed = new AbortController();
  const pending = new Map<number, PendingRequest>();
  let nextId = Math.floor(Math.random() * 2 ** 32);

  function allocateId(): number {
    // u32 counter from a random start: a restarted client does not reuse the last run's ids.
    for (;;) {
      const id = nextId;
      nextId = (nextId + 1) >>> 0;
      if (!pending.has(id)) return id;
    }
  }

  function onMessage(datagram: Buffer): void {
    if (dump) dumpDatagram(logger, 'in', remote, datagram);
    if (tap && socket) tapDatagram(tap, socket, 'in', remote, datagram);
    if (!isEnveloped(datagram)) {
      logger.debug({ bytes: datagram.length }, LOG_EVENT.replyWithoutEnvelope);
      return;
    }
    let decoded;
    try {
      decoded = decodeEnvelope(datagram);
    } catch (error) {
      logger.debug({ bytes: datagram.length, err: error }, LOG_EVENT.malformedReply);
      return;
    }
    const request = pending.get(decoded.id);
    if (!request) {
      // Late (its request already timed out or was answered) or duplicated by the network.
      logger.debug({ id: decoded.id }, LOG_EVENT.staleReply);
      return;
    }
    request.resolve(decoded.payload);
  }

  function onSocketError(error: NodeJS.ErrnoException): void {
    if (error.code && TRANSIENT_SEND_ERRORS.has(error.code)) {
      logger.debug({ err: error }, LOG_EVENT.noAnswerYet);
      return;
    }
    logger.warn({ err: error }, LOG_EVENT.socketError);
    for (const request of pending.values())
      request.reject(new UdpSendError(endpoint, { cause: error }));
  }

  function connect(): Promise<void> {
    if (state === CLIENT_STATE.CLOSED) return Promise.reject(new UdpClosedError('client'));
    connecting ??= (async () => {
      state = CLIENT_STATE.CONNECTING;
      let resolved;
      try {
        resolved = await resolveHost(host);
      } catch (error) {
        throw new UdpConnectError(endpoint, { cause: error });
      }
      if ((state as ClientState) === CLIENT_STATE.CLOSED) throw new UdpClosedError('client');
      const sock = createSocket({ type: resolved.family === 6 ? 'udp6' : 'udp4' });
      socket = sock;
      try {
        const connected = waitForEvent(sock, 'connect', closed.signal);
        sock.connect(port, resolved.address);
        await connected;
      } catch (error) {
        // close() during the connect has closed the socket already.
        if (error instanceof WaitAbortedError) throw new UdpClosedError('client');
        // Forget the failed socket, so close() does not close it a second time (that throws).
        if (socket === sock) socket = undefined;
        sock.close();
        throw new UdpConnectError(endpoint, { cause: error });
      }
      if ((state as ClientState) === CLIENT_STATE.CLOSED) throw new UdpClosedError('client');
      sock.on('message', onMessage);
      sock.on('error', onSocketError);
      remote = { address: resolved.address, port };
      state = CLIENT_STATE.CONNECTED;
    })();
    return connecting;
  }

  async function request(
    payload: Uint8Array | string,
    requestOptions: UdpRequestOptions = {},
  ): Promise<Buffer> {
    const { timeout = DEFAULT_TIMEOUT_MS, retries = DEFAULT_RETRIES, signal } = requestOptions;
    if (!(Number.isFinite(timeout) && timeout > 0)) {
      throw new UdpUsageError(`timeout must be a positive number of milliseconds (got ${timeout})`);
    }
    const { maxTimeout = DEFAULT_MAX_TIMEOUT_MS } = requestOptions;
    if (!(Number.isFinite(maxTimeout) && maxTimeout > 0)) {
      throw new UdpUsageError(
        `maxTimeout must be a positive number of milliseconds (got ${maxTimeout})`,
      );
    }
    const backoff = {
      initialDelayMs: Math.min(timeout, MAX_TIMER_MS),
      maxDelayMs: Math.min(maxTimeout, MAX_TIMER_MS),
    };
    if (!(Number.isInteger(retries) && retries >= 0)) {
      throw new UdpUsageError(`retries must be a whole number of at least 0 (got ${retries})`);
    }
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    if (bytes.length > MAX_REQUEST_PAYLOAD_BYTES) {
      throw new UdpMessageTooLargeError(bytes.length, MAX_REQUEST_PAYLOAD_BYTES);
    }
    if (signal?.aborted) throw new UdpAbortError({ cause: signal.reason });
    await connect();
    if (signal?.aborted) throw new UdpAbortError({ cause: signal.reason });
    if (state !== CLIENT_STATE.CONNECTED || !socket) throw new UdpClosedError('client');
    const sock: Socket = socket;

    const id = allocateId();
    const datagram = encodeEnvelope(id, bytes);
    const tries = retries + 1;

    return new Promise<Buffer>((resolve, reject) => {
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;

      function settle(): void {
        settled = true;
        pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      function onAbort(): void {
        settle();
        reject(new UdpAbortError({ cause: signal?.reason }));
      }
      function send(): void {
        attempt += 1;
        logger.debug({ id, attempt, bytes: datagram.length }, LOG_EVENT.sendingRequest);
        if (dump) dumpDatagram(logger, 'out', remote, datagram);
        if (tap) tapDatagram(tap, sock, 'out', remote, datagram);
        sock.send(datagram, (error) => {
          if (!error || !pending.has(id)) return;
          const { code } = error as NodeJS.ErrnoException;
          if (code && TRANSIENT_SEND_ERRORS.has(code)) {
            logger.debug({ id, err: error }, LOG_EVENT.noAnswerYet);
            return;
          }
          settle();
          reject(new UdpSendError(endpoint, { cause: error }));
        });
        // A draw of 0 waits 1 ms, as Node runs any shorter timer: said here, so a faked
        // clock keeps the same schedule.
        timer = setTimeout(onTimer, Math.max(1, waitAfterTry(attempt, backoff, random)));
      }
      // The wait ran out by this process's clock, which may have been late itself (a busy
      // core, a GC pause): a reply already in the socket's buffer is read before the server
      // is judged, so it is taken instead of being re-sent for or given up on.
      function onTimer(): void {
        afterPendingIo(judgeSilence);
      }
      function judgeSilence(): void {
        if (settled) return;
        if (attempt < tries) {
          send();
          return;
        }
        settle();
        reject(new UdpTimeoutError({ host, port }, tries));
      }

      pending.set(id, {
        resolve(reply) {
          settle();
          resolve(reply);
        },
        reject(error) {
          settle();
          reject(error);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      send();
    });
  }

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      state = CLIENT_STATE.CLOSED;
      closed.abort();
      for (const request of [...pending.values()]) request.reject(new UdpClosedError('client'));
      const sock = socket;
      socket = undefined;
      if (!sock) {
        resolve();
        return;
      }
      sock.off('message', onMessage);
      sock.close(() => {
        sock.off('error', onSocketError);
        resolve();
      });
    });
    return closing;
  }

  return {
    connect,
    request,
    close,
    get remote() {
      return remote;
    },
  };
}
