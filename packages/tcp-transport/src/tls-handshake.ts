import type { Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { afterPendingIo } from '@netlab/transport-core';
import { nodeTls } from './lazy-tls';
import { destroyOnTlsError } from './tls-connect';
import { describeTlsError } from './tls-error-text';
import {
  createServerSecureContext,
  type TcpServerTlsOptions,
  type TlsConnectionInfo,
} from './tls-options';

/** How the server side of one TLS handshake ended. */
export type TlsHandshakeOutcome =
  | { ok: true; socket: TLSSocket; tls: TlsConnectionInfo }
  | {
      ok: false;
      socket: TLSSocket;
      /** OpenSSL's reason, or what else went wrong: `wrong version number`, ... */
      problem: string;
      /** The deadline passed first: a slow client, not a failed handshake. */
      timedOut: boolean;
      /**
       * The peer left without sending a byte of TLS: a port probe or a TCP health check
       * (HAProxy's, a readiness probe), not a client that failed.
       */
      silent: boolean;
    };

/**
 * The server's TLS: its current SecureContext (replaced whole by `update`, so a rotation
 * reaches new connections and leaves established ones as they are) and the handshake.
 */
export class TlsTerminator {
  readonly requireClientCertificate: boolean;
  #context: SecureContext;

  /** Throws TcpTlsConfigError for material OpenSSL cannot use. */
  constructor(options: TcpServerTlsOptions) {
    this.requireClientCertificate = options.requireClientCertificate ?? false;
    this.#context = createServerSecureContext(options);
  }

  /** New key and certificate (and CA) for connections from now on; throws and keeps the old on bad material. */
  update(options: Omit<TcpServerTlsOptions, 'requireClientCertificate'>): void {
    this.#context = createServerSecureContext({
      ...options,
      requireClientCertificate: this.requireClientCertificate,
    });
  }

  /**
   * Upgrades an accepted socket (after its PROXY header, if any: the balancer sends that in
   * the clear) and calls `done` once: with the TLS socket and what was negotiated, or with
   * the problem. Verification of a client certificate happens here, as Node's tls.Server
   * would do it, since a bare TLSSocket only records the result. A callback, as
   * readProxyHeader's: the caller must own the socket's errors in the same tick. Returns the
   * TLS socket at once (`done` comes on a later tick), for a shutdown to destroy meanwhile.
   */
  handshake(
    raw: Socket,
    deadlineMs: number,
    done: (outcome: TlsHandshakeOutcome) => void,
  ): TLSSocket {
    const required = this.requireClientCertificate;
    // Bytes already read (the PROXY header's) and still buffered (the start of the
    // ClientHello, read with it): to tell a peer that sent no TLS at all.
    const bytesAtStart = raw.bytesRead;
    const bufferedAtStart = raw.readableLength;
    const socket = new (nodeTls().TLSSocket)(raw, {
      isServer: true,
      secureContext: this.#context,
      requestCert: required,
      rejectUnauthorized: required,
    });
    const finish = (outcome: TlsHandshakeOutcome): void => {
      clearTimeout(timer);
      clearImmediate(verdict);
      socket.off('secure', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('end', onClose);
      done(outcome);
    };
    const fail = (problem: string, timedOut = false, silent = false): void =>
      finish({ ok: false, socket, problem, timedOut, silent });
    const onSecure = (): void => {
      if (required) {
        const problem = clientCertificateProblem(socket);
        if (problem !== undefined) return fail(problem);
      }
      finish({ ok: true, socket, tls: negotiated(socket, required) });
    };
    const onError = (error: Error): void => fail(describeTlsError(error));
    const onClose = (): void => {
      const silent = bufferedAtStart === 0 && raw.bytesRead === bytesAtStart;
      fail('the connection closed during the handshake', false, silent);
    };
    // The client's last flight may be waiting in the kernel while this server was late:
    // read it first (afterPendingIo), and fail only a handshake still unfinished then.
    let verdict: NodeJS.Immediate | undefined;
    const timer = setTimeout(
      () => {
        verdict = afterPendingIo(() => fail(`no TLS handshake within the line deadline`, true));
      },
      Math.max(0, deadlineMs),
    );
    socket.on('error', destroyOnTlsError);
    socket.on('secure', onSecure);
    socket.on('error', onError);
    socket.on('close', onClose);
    // The socket allows half-open (as every server socket here): a peer that gives up
    // mid-handshake (it did not trust our certificate) sends its FIN, and nothing else comes.
    socket.on('end', onClose);
    return socket;
  }
}

/** The C++ side of a TLSSocket: Node's tls.Server asks it the same question. */
interface TlsHandle {
  verifyError?(): (Error & { code?: string }) | null;
}

/**
 * Why the client's certificate is not accepted, or undefined if it verified against `ca`.
 * OpenSSL has already failed a handshake without one; a certificate that does not verify
 * is only recorded by OpenSSL, and refused here. Fails closed if Node ever stops telling.
 */
function clientCertificateProblem(socket: TLSSocket): string | undefined {
  const handle = (socket as unknown as { ssl?: TlsHandle }).ssl;
  if (typeof handle?.verifyError !== 'function') return 'client certificate could not be verified';
  const error = handle.verifyError();
  return error ? describeTlsError(error) : undefined;
}

function negotiated(socket: TLSSocket, withClientCertificate: boolean): TlsConnectionInfo {
  const info: TlsConnectionInfo = {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher().name,
  };
  const certificate = withClientCertificate ? socket.getPeerX509Certificate() : undefined;
  if (certificate) {
    info.clientCertificate = {
      subject: oneLine(certificate.subject),
      issuer: oneLine(certificate.issuer),
      fingerprint256: certificate.fingerprint256,
    };
  }
  return info;
}

/** X509Certificate puts one RDN a line; a log field wants `CN=alice, O=Example`. */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}
