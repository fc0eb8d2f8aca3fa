import { NetlabError } from '@netlab/protocol';
import { describeCause, formatEndpoint } from '@netlab/transport-core';

/** Where a socket error happened: the host and port the transport was talking to. */
export interface UdpEndpoint {
  host: string;
  port: number;
}

/** Every code this package uses; callers branch on these, never on message text. */
export const UdpErrorCode = {
  BIND_FAILED: 'UDP_BIND_FAILED',
  CONNECT_FAILED: 'UDP_CONNECT_FAILED',
  TIMEOUT: 'UDP_TIMEOUT',
  SEND_FAILED: 'UDP_SEND_FAILED',
  MESSAGE_TOO_LARGE: 'UDP_MESSAGE_TOO_LARGE',
  ABORTED: 'UDP_ABORTED',
  CLOSED: 'UDP_CLOSED',
  USAGE: 'UDP_USAGE',
} as const;
export type UdpErrorCode = (typeof UdpErrorCode)[keyof typeof UdpErrorCode];

/** Root of every error this package throws or rejects with; `code` starts with `UDP_`. */
export class UdpTransportError extends NetlabError {
  override name = 'UdpTransportError';
  declare readonly code: UdpErrorCode;
  constructor(code: UdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The server could not bind its socket (address in use, permission denied, bad address). */
export class UdpBindError extends UdpTransportError {
  override name = 'UdpBindError';
  readonly host: string;
  readonly port: number;
  constructor(endpoint: UdpEndpoint, options?: { cause?: unknown }) {
    super(
      UdpErrorCode.BIND_FAILED,
      `could not bind ${formatEndpoint(endpoint)}: ${describeCause(options?.cause)}`,
      options,
    );
    this.host = endpoint.host;
    this.port = endpoint.port;
  }
}

/** The client could not resolve or connect its socket to the server's address. */
export class UdpConnectError extends UdpTransportError {
  override name = 'UdpConnectError';
  readonly host: string;
  readonly port: number;
  constructor(endpoint: UdpEndpoint, options?: { cause?: unknown }) {
    super(
      UdpErrorCode.CONNECT_FAILED,
      `Could not connect to ${formatEndpoint(endpoint)}: ${describeCause(options?.cause)}`,
      options,
    );
    this.host = endpoint.host;
    this.port = endpoint.port;
  }
}

/** No matching reply arrived after every try (the first send and each retry). */
export class UdpTimeoutError extends UdpTransportError {
  override name = 'UdpTimeoutError';
  readonly host: string;
  readonly port: number;
  readonly tries: number;
  constructor(endpoint: UdpEndpoint, tries: number) {
    super(UdpErrorCode.TIMEOUT, `No reply from ${formatEndpoint(endpoint)} after ${tries} tries`);
    this.host = endpoint.host;
    this.port = endpoint.port;
    this.tries = tries;
  }
}

/** The kernel refused a datagram (EMSGSIZE, no route, ...). */
export class UdpSendError extends UdpTransportError {
  override name = 'UdpSendError';
  readonly host: string;
  readonly port: number;
  constructor(endpoint: UdpEndpoint, options?: { cause?: unknown }) {
    super(
      UdpErrorCode.SEND_FAILED,
      `could not send to ${formatEndpoint(endpoint)}: ${describeCause(options?.cause)}`,
      options,
    );
    this.host = endpoint.host;
    this.port = endpoint.port;
  }
}

/** The payload does not fit in one datagram; nothing was sent. */
export class UdpMessageTooLargeError extends UdpTransportError {
  override name = 'UdpMessageTooLargeError';
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(
      UdpErrorCode.MESSAGE_TOO_LARGE,
      `message is ${bytes} bytes; one datagram carries at most ${limit}`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** The caller's AbortSignal fired before the operation finished. */
export class UdpAbortError extends UdpTransportError {
  override name = 'UdpAbortError';
  constructor(options?: { cause?: unknown }) {
    super(UdpErrorCode.ABORTED, 'the operation was aborted', options);
  }
}

/** The server or client was closed (before or during the operation). */
export class UdpClosedError extends UdpTransportError {
  override name = 'UdpClosedError';
  constructor(what: 'server' | 'client') {
    super(UdpErrorCode.CLOSED, `the ${what} is closed`);
  }
}

/** A method was called in a state that does not allow it (listen twice, a bad option value). */
export class UdpUsageError extends UdpTransportError {
  override name = 'UdpUsageError';
  constructor(message: string) {
    super(UdpErrorCode.USAGE, message);
  }
}

// Endpoint text lives in @netlab/transport-core; re-exported for this package's users.
export { describeCause, formatEndpoint };
