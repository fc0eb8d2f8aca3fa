import { describeCause } from '@netlab/transport-core';

/**
 * Codes Node gives a certificate that failed verification (OpenSSL's X509_V_ERR_* names
 * without the prefix, plus its own host name check). They come without OpenSSL's `library`.
 */
const VERIFY_CODE =
  /CERT|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^INVALID_(CA|PURPOSE)$|^PATH_LENGTH_EXCEEDED$|_SIGNATURE/;

/**
 * Newer Node (24 among ours) appends advice for its own command line to a verification failure
 * (`; if the root CA is installed locally, try running Node.js with --use-system-ca`): not
 * the peer's problem, and it would make the same failure read differently on each Node.
 */
const NODE_ADVICE = /; if the root CA is installed locally.*$/s;

/**
 * One sentence for a failed TLS handshake or TLS session, from what Node reports: the
 * OpenSSL reason (`wrong version number`, `tlsv13 alert certificate required`), or a
 * certificate that failed verification as `certificate verify failed: self-signed
 * certificate`. Never OpenSSL's raw `error:0A00010B:SSL routines:...` line.
 */
export function describeTlsError(error: unknown): string {
  const { code, reason, library, message } = (error ?? {}) as {
    code?: unknown;
    reason?: unknown;
    library?: unknown;
    message?: unknown;
  };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' && typeof reason === 'string') {
    return `certificate verify failed: ${reason}`;
  }
  if (typeof code === 'string' && library === undefined && VERIFY_CODE.test(code)) {
    const text = typeof message === 'string' ? message.replace(NODE_ADVICE, '') : code;
    return `certificate verify failed: ${text}`;
  }
  if (typeof reason === 'string' && reason.length > 0) return explainAlert(reason);
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return 'the connection closed during the handshake';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'the handshake timed out';
  return describeCause(error);
}

/**
 * An alert is the peer's verdict, which OpenSSL names in its own words: say whose verdict,
 * keeping the words (`tlsv13 alert certificate required`) for a search engine.
 */
function explainAlert(reason: string): string {
  if (reason.endsWith('alert certificate required')) {
    return `the server requires a client certificate (${reason})`;
  }
  if (/alert (bad certificate|unknown ca|certificate unknown|decrypt error)$/.test(reason)) {
    return `the peer refused our certificate (${reason})`;
  }
  return reason;
}
