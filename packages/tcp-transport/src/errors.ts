import { NetlabError } from '@netlab/protocol';
import { describeCause, formatEndpoint } from '@netlab/transport-core';

/** Where a socket lives: a host and port, or a Unix domain socket path. */
export type TcpEndpoint = { host: string; port: number } | { path: string };

/** Every code this package uses; callers branch on these, never on message text. */
export const TcpErrorCode = {
  LISTEN_FAILED: 'TCP_LISTEN_FAILED',
  CONNECT_FAILED: 'TCP_CONNECT_FAILED',
  CONNECTION_LOST: 'TCP_CONNECTION_LOST',
  TIMEOUT: 'TCP_TIMEOUT',
  ABORTED: 'TCP_ABORTED',
  CLOSED: 'TCP_CLOSED',
  USAGE: 'TCP_USAGE',
  TLS_CONFIG: 'TCP_TLS_CONFIG',
  TLS_HANDSHAKE_FAILED: 'TCP_TLS_HANDSHAKE_FAILED',
} as const;
/** One of the codes of {@link TcpErrorCode}. */
export type TcpErrorCode = (typeof TcpErrorCode)[keyof typeof TcpErrorCode];

/** Root of every error this package throws or rejects with; `code` starts with `TCP_`. */
export class TcpTransportError extends NetlabError {
  override name = 'TcpTransportError';
  declare readonly code: TcpErrorCode;
  constructor(code: TcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An I/O error tied to one endpoint: carries `host` and `port`, or `path`. */
export abstract class TcpEndpointError extends TcpTransportError {
  override name = 'TcpEndpointError';
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  constructor(
    code: TcpErrorCode,
    endpoint: TcpEndpoint,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    if ('path' in endpoint) this.path = endpoint.path;
    else {
      this.host = endpoint.host;
      this.port = endpoint.port;
    }
  }
}

/** The server could not listen (address in use, permission denied, bad address or path). */
export class TcpListenError extends TcpEndpointError {
  override name = 'TcpListenError';
  constructor(endpoint: TcpEndpoint, options?: { cause?: unknown }) {
    super(
      TcpErrorCode.LISTEN_FAILED,
      endpoint,
      `could not listen on ${formatEndpoint(endpoint)}: ${describeCause(options?.cause)}`,
      options,
    );
  }
}

/** The client could not connect (refused, unreachable, unknown host, no such socket file). */
export class TcpConnectError extends TcpEndpointError {
  override name = 'TcpConnectError';
  constructor(endpoint: TcpEndpoint, options?: { cause?: unknown }) {
    super(
      TcpErrorCode.CONNECT_FAILED,
      endpoint,
      `Could not connect to ${formatEndpoint(endpoint)}: ${describeCause(options?.cause)}`,
      options,
    );
  }
}

/** The connection ended while replies were still owed: the server reset it or went away. */
export class TcpConnectionLostError extends TcpEndpointError {
  override name = 'TcpConnectionLostError';
  /** How many requests were left without a reply. */
  readonly unanswered: number;
  constructor(endpoint: TcpEndpoint, unanswered: number, options?: { cause?: unknown }) {
    const how = options?.cause ? describeCause(options.cause) : 'closed by the server';
    const left =
      unanswered === 0
        ? ''
        : unanswered === 1
          ? ' with 1 reply outstanding'
          : ` with ${unanswered} replies outstanding`;
    super(
      TcpErrorCode.CONNECTION_LOST,
      endpoint,
      `Connection to ${formatEndpoint(endpoint)} lost (${how})${left}`,
      options,
    );
    this.unanswered = unanswered;
  }
}

/** A request got no reply within its `timeout` (counted from the call, a reconnect included). */
export class TcpTimeoutError extends TcpEndpointError {
  override name = 'TcpTimeoutError';
  /** The time limit that passed, in ms. */
  readonly timeoutMs: number;
  constructor(endpoint: TcpEndpoint, timeoutMs: number) {
    super(
      TcpErrorCode.TIMEOUT,
      endpoint,
      `No reply from ${formatEndpoint(endpoint)} within ${timeoutMs} ms`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before the operation finished. */
export class TcpAbortError extends TcpTransportError {
  override name = 'TcpAbortError';
  constructor(options?: { cause?: unknown }) {
    super(TcpErrorCode.ABORTED, 'the operation was aborted', options);
  }
}

/** The connection or server is closed (or closing) and cannot do what was asked. */
export class TcpClosedError extends TcpTransportError {
  override name = 'TcpClosedError';
  constructor(what: 'server' | 'connection') {
    super(TcpErrorCode.CLOSED, `the ${what} is closed`);
  }
}

/** A method was called in a state that does not allow it, or an option is out of range. */
export class TcpUsageError extends TcpTransportError {
  override name = 'TcpUsageError';
  constructor(message: string) {
    super(TcpErrorCode.USAGE, message);
  }
}

/**
 * TLS material that cannot be used: a file missing or unreadable, not PEM, a key that does
 * not match its certificate. `file` names the file when the problem is one file's.
 */
export class TcpTlsConfigError extends TcpTransportError {
  override name = 'TcpTlsConfigError';
  /** The file at fault, when the material came from files. */
  readonly file?: string;
  /** The problem alone, without the file: `no such file`, `not a PEM certificate`, ... */
  readonly problem: string;
  constructor(problem: string, options?: { file?: string; cause?: unknown }) {
    super(
      TcpErrorCode.TLS_CONFIG,
      options?.file ? `${options.file}: ${problem}` : problem,
      options,
    );
    this.problem = problem;
    if (options?.file !== undefined) this.file = options.file;
  }
}

/**
 * The TLS handshake with the server failed: its certificate could not be verified, or it
 * refused ours, or it does not speak TLS. `reason` is the sentence without the endpoint
 * (`certificate verify failed: self-signed certificate`).
 */
export class TcpTlsHandshakeError extends TcpEndpointError {
  override name = 'TcpTlsHandshakeError';
  readonly reason: string;
  constructor(endpoint: TcpEndpoint, reason: string, options?: { cause?: unknown }) {
    super(
      TcpErrorCode.TLS_HANDSHAKE_FAILED,
      endpoint,
      `TLS handshake with ${formatEndpoint(endpoint)} failed: ${reason}`,
      options,
    );
    this.reason = reason;
  }
}

// Endpoint text lives in @netlab/transport-core; re-exported for this package's users.
export { describeCause, formatEndpoint };
