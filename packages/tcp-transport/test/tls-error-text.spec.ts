import { describeTlsError } from '../src/tls-error-text';

/** Errors shaped as Node reports them (code, and OpenSSL's library and reason where it has them). */
function verifyError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
function opensslError(reason: string): Error {
  return Object.assign(new Error(`error:0A00010B:SSL routines::${reason}`), {
    code: 'ERR_SSL_X',
    library: 'SSL routines',
    reason,
  });
}

describe('describeTlsError', () => {
  it.each([
    [
      verifyError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      'certificate verify failed: self-signed certificate',
    ],
    [
      verifyError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      'certificate verify failed: unable to verify the first certificate',
    ],
    [
      verifyError('CERT_HAS_EXPIRED', 'certificate has expired'),
      'certificate verify failed: certificate has expired',
    ],
    [
      Object.assign(new Error('x'), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        reason: "Host: example.com. is not in the cert's altnames: DNS:localhost",
      }),
      "certificate verify failed: Host: example.com. is not in the cert's altnames: DNS:localhost",
    ],
    [opensslError('wrong version number'), 'wrong version number'],
    [
      opensslError('tlsv13 alert certificate required'),
      'the server requires a client certificate (tlsv13 alert certificate required)',
    ],
    [
      opensslError('sslv3 alert bad certificate'),
      'the peer refused our certificate (sslv3 alert bad certificate)',
    ],
    [
      Object.assign(
        new Error(
          'Client network socket disconnected before secure TLS connection was established',
        ),
        { code: 'ECONNRESET' },
      ),
      'the connection closed during the handshake',
    ],
  ])('says one sentence, never the raw OpenSSL line (%#)', (error, sentence) => {
    expect(describeTlsError(error)).toBe(sentence);
  });
});
