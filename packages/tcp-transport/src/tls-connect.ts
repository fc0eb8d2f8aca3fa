import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { TcpConnectError, TcpTlsHandshakeError, type TcpEndpoint } from './errors';
import { nodeTls } from './lazy-tls';
import { describeTlsError } from './tls-error-text';
import { systemCaCertificates, type TcpClientTlsOptions } from './tls-options';

/**
 * A TLS connection to `target`, verifying the server (against `ca`, or the system's CAs)
 * and its name (`servername`, or the target's host). The returned socket emits `ready`
 * once the handshake is done. Node may warn once about an IP address as SNI; we never send one.
 */
export function connectTlsSocket(
  target: TcpEndpoint,
  options: TcpClientTlsOptions,
): { socket: Socket; ready: 'secureConnect' } {
  const credentials = {
    ca: options.ca ?? systemCaCertificates(),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    rejectUnauthorized: true,
  };
  // allowHalfOpen reaches the TLSSocket (our end() after the server's), though the types omit it.
  const where: ConnectionOptions & { allowHalfOpen: boolean } =
    'path' in target
      ? { path: target.path, allowHalfOpen: true, ...name(options) }
      : {
          host: target.host,
          port: target.port,
          allowHalfOpen: true,
          ...name(options, target.host),
        };
  const socket = nodeTls().connect({ ...where, ...credentials });
  socket.on('error', destroyOnTlsError);
  // Replies are batched per read already; Nagle would only add latency.
  if (!('path' in target)) socket.setNoDelay(true);
  return { socket, ready: 'secureConnect' };
}

/**
 * A TLS error on an established socket (the server's alert: it refused our certificate)
 * is only emitted, not acted on, and with allowHalfOpen the peer's FIN after it leaves the
 * socket open with nothing to wait for: the process would exit mid-request. Close it.
 * Shared with the server's sockets (tls-handshake.ts).
 */
export function destroyOnTlsError(this: Socket): void {
  this.destroy();
}

/** SNI and the name checked: an explicit servername, else a host name (never an IP literal). */
function name(options: TcpClientTlsOptions, host?: string): { servername?: string } {
  if (options.servername !== undefined) return { servername: options.servername };
  return host !== undefined && isIP(host) === 0 ? { servername: host } : {};
}

/**
 * What a failure before the connection was ready means: the TCP connect failed
 * (TcpConnectError) or, once connected, the TLS handshake (TcpTlsHandshakeError).
 */
export function connectFailure(
  target: TcpEndpoint,
  error: Error,
  tcpConnected: boolean,
): TcpConnectError | TcpTlsHandshakeError {
  return tcpConnected
    ? new TcpTlsHandshakeError(target, describeTlsError(error), { cause: error })
    : new TcpConnectError(target, { cause: error });
}

/**
 * A TLS error on an established connection (the server refused our certificate after a
 * TLS 1.3 handshake, a bad record) as an Error whose message is a sentence, the raw
 * OpenSSL error kept as `cause`; any other error as it is.
 */
export function readableTlsError(error: Error): Error {
  const { library, reason } = error as { library?: unknown; reason?: unknown };
  if (library === undefined && reason === undefined) return error;
  return new Error(describeTlsError(error), { cause: error });
}
