import { NetlabError } from '@netlab/protocol';
import {
  TcpAbortError,
  TcpClosedError,
  TcpConnectError,
  TcpConnectionLostError,
  TcpErrorCode,
  TcpListenError,
  TcpTimeoutError,
  TcpTlsConfigError,
  TcpTlsHandshakeError,
  TcpTransportError,
  TcpUsageError,
} from '../src';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1060`), { code });
}

const samples: TcpTransportError[] = [
  new TcpListenError({ host: '0.0.0.0', port: 1060 }, { cause: systemError('EADDRINUSE') }),
  new TcpConnectError({ host: '127.0.0.1', port: 1060 }, { cause: systemError('ECONNREFUSED') }),
  new TcpConnectionLostError({ path: '/tmp/netlab.sock' }, 2, { cause: systemError('ECONNRESET') }),
  new TcpTimeoutError({ host: '127.0.0.1', port: 1060 }, 500),
  new TcpAbortError(),
  new TcpClosedError('connection'),
  new TcpUsageError('listen() was already called on this server'),
  new TcpTlsConfigError('no such file', { file: 'server.key' }),
  new TcpTlsHandshakeError(
    { host: '127.0.0.1', port: 1060 },
    'certificate verify failed: self-signed certificate',
  ),
];

describe('the tcp-transport error catalogue', () => {
  it('has unique codes, each prefixed TCP_', () => {
    const codes = Object.values(TcpErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^TCP_[A-Z_]+$/);
  });

  it('uses every code in exactly one error class', () => {
    expect(samples.map((error) => error.code).sort()).toEqual(Object.values(TcpErrorCode).sort());
  });

  it.each(samples.map((error) => [error.name, error] as const))(
    '%s is a NetlabError named after its class',
    (name, error) => {
      expect(error).toBeInstanceOf(NetlabError);
      expect(error).toBeInstanceOf(TcpTransportError);
      expect(error.name).toBe(error.constructor.name);
      expect(name).toBe(error.constructor.name);
    },
  );

  it('says "Could not connect to 127.0.0.1:1060: connection refused", keeping the cause', () => {
    const cause = systemError('ECONNREFUSED');
    const error = new TcpConnectError({ host: '127.0.0.1', port: 1060 }, { cause });
    expect(error.message).toBe('Could not connect to 127.0.0.1:1060: connection refused');
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ host: '127.0.0.1', port: 1060 });
  });

  it('names the socket path of a Unix socket endpoint and counts what was owed', () => {
    expect(samples[2]).toMatchObject({ path: '/tmp/netlab.sock', unanswered: 2 });
    expect(samples[2].message).toBe(
      'Connection to /tmp/netlab.sock lost (connection reset by peer) with 2 replies outstanding',
    );
  });

  it('says "No reply from 127.0.0.1:1060 within 500 ms" for a request past its timeout', () => {
    const error = new TcpTimeoutError({ host: '127.0.0.1', port: 1060 }, 500);
    expect(error).toMatchObject({
      code: 'TCP_TIMEOUT',
      host: '127.0.0.1',
      port: 1060,
      timeoutMs: 500,
    });
    expect(error.message).toBe('No reply from 127.0.0.1:1060 within 500 ms');
  });

  it('names the TLS file at fault, and says what a handshake failed on', () => {
    const config = samples.find((error) => error instanceof TcpTlsConfigError);
    const handshake = samples.find((error) => error instanceof TcpTlsHandshakeError);
    expect(config).toMatchObject({ file: 'server.key', problem: 'no such file' });
    expect(config?.message).toBe('server.key: no such file');
    expect(handshake?.message).toBe(
      'TLS handshake with 127.0.0.1:1060 failed: certificate verify failed: self-signed certificate',
    );
  });
});
