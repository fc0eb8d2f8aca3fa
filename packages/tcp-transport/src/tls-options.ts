import { readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import { TcpTlsConfigError } from './errors';
import { nodeTls } from './lazy-tls';

/** PEM text, as a string or the bytes of a file. */
export type Pem = string | Buffer;

/** TLS on a TcpServer: its key and certificate, and whom to ask for client certificates. */
export interface TcpServerTlsOptions {
  /** The server's private key (PEM, unencrypted). */
  key: Pem;
  /** The server's certificate (PEM), followed by any intermediates a client needs. */
  cert: Pem;
  /** CA certificates (PEM) that client certificates must be signed by. */
  ca?: Pem;
  /**
   * Mutual TLS: every client must present a certificate signed by `ca`; a client without
   * one, or with one that does not verify, fails the handshake.
   */
  requireClientCertificate?: boolean;
}

/** TLS on connectTcp. The server's certificate is always verified. */
export interface TcpClientTlsOptions {
  /** CA certificates (PEM) to trust instead of the system's. */
  ca?: Pem;
  /** A client certificate (PEM), for servers that require one; with `key`. */
  cert?: Pem;
  /** The client certificate's private key (PEM, unencrypted). */
  key?: Pem;
  /**
   * The name the server's certificate must carry, also sent as SNI. Default: the target's
   * host (an IP address is checked against the certificate's IP entries).
   */
  servername?: string;
}

/** What was negotiated on a TLS connection; in ConnectionInfo and `Connection accepted`. */
export interface TlsConnectionInfo {
  /** `TLSv1.3`, `TLSv1.2`. */
  protocol: string;
  /** OpenSSL's name of the cipher suite: `TLS_AES_256_GCM_SHA384`. */
  cipher: string;
  /** With requireClientCertificate: the verified certificate the client presented. */
  clientCertificate?: {
    /** `CN=alice, O=Example`: what a service can authorise by. */
    subject: string;
    issuer: string;
    /** SHA-256 of the certificate, `AB:CD:...`: names one certificate exactly. */
    fingerprint256: string;
  };
}

/**
 * The server's SecureContext for these options; throws TcpTlsConfigError (a key that
 * does not match the certificate, text that is not PEM), never OpenSSL's raw error.
 */
export function createServerSecureContext(options: TcpServerTlsOptions): tls.SecureContext {
  if (options.requireClientCertificate && options.ca === undefined) {
    throw new TcpTlsConfigError('requiring client certificates needs a ca to verify them');
  }
  try {
    return nodeTls().createSecureContext({
      key: options.key,
      cert: options.cert,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
  } catch (error) {
    throw new TcpTlsConfigError(describeContextProblem(error), { cause: error });
  }
}

/** OpenSSL's complaint about key, certificate or CA material, as a sentence. */
export function describeContextProblem(error: unknown): string {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
    return 'the private key does not match the certificate';
  }
  if (code === 'ERR_OSSL_PEM_NO_START_LINE') return 'not PEM (no -----BEGIN line)';
  if (typeof reason === 'string' && reason.length > 0) return reason;
  return error instanceof Error ? error.message : String(error);
}

/** Where Debian, Fedora/RHEL and Alpine/macOS keep the system's CA bundle. */
const SYSTEM_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];
let systemCa: string[] | undefined;

/**
 * The CAs a client trusts without `ca`: the system's store (Node ≥ 22.15 reads it itself;
 * before that, the first bundle file found) and Node's bundled Mozilla roots, so a server
 * whose CA an administrator added to the system is trusted, as curl and openssl would.
 */
export function systemCaCertificates(): string[] {
  if (systemCa) return systemCa;
  const fromNode = (
    nodeTls() as { getCACertificates?: (kind: 'system' | 'default') => string[] }
  ).getCACertificates?.('system');
  let fromSystem: string[] = fromNode ?? [];
  if (!fromNode) {
    for (const file of SYSTEM_CA_FILES) {
      try {
        fromSystem = [readFileSync(file, 'latin1')];
        break;
      } catch {
        // Not this distribution's place; try the next.
      }
    }
  }
  systemCa = [...nodeTls().rootCertificates, ...fromSystem];
  return systemCa;
}
