import { NetlabError } from '@netlab/protocol';
import {
  UdpAbortError,
  UdpBindError,
  UdpClosedError,
  UdpConnectError,
  UdpErrorCode,
  UdpMessageTooLargeError,
  UdpSendError,
  UdpTimeoutError,
  UdpTransportError,
  UdpUsageError,
} from './errors';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`bind ${code} 0.0.0.0:12000`), { code });
}

const samples: UdpTransportError[] = [
  new UdpBindError({ host: '0.0.0.0', port: 12000 }, { cause: systemError('EADDRINUSE') }),
  new UdpConnectError(
    { host: 'nowhere.invalid', port: 12000 },
    { cause: systemError('ENOTFOUND') },
  ),
  new UdpTimeoutError({ host: '127.0.0.1', port: 12000 }, 4),
  new UdpSendError({ host: '127.0.0.1', port: 12000 }, { cause: systemError('EMSGSIZE') }),
  new UdpMessageTooLargeError(70_000, 65_501),
  new UdpAbortError(),
  new UdpClosedError('client'),
  new UdpUsageError('listen() was already called'),
];

describe('the udp-transport error catalogue', () => {
  it('has unique codes, each prefixed UDP_', () => {
    const codes = Object.values(UdpErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^UDP_[A-Z_]+$/);
  });

  it('uses every code in exactly one error class', () => {
    expect(samples.map((error) => error.code).sort()).toEqual(Object.values(UdpErrorCode).sort());
  });

  it.each(samples.map((error) => [error.name, error] as const))(
    '%s is a NetlabError named after its class',
    (name, error) => {
      expect(error).toBeInstanceOf(NetlabError);
      expect(error).toBeInstanceOf(UdpTransportError);
      expect(error.name).toBe(error.constructor.name);
      expect(name).toBe(error.constructor.name);
    },
  );

  it('keeps the cause and carries host and port on I/O errors', () => {
    const cause = systemError('EADDRINUSE');
    const error = new UdpBindError({ host: '0.0.0.0', port: 12000 }, { cause });
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ host: '0.0.0.0', port: 12000 });
  });

  it('says "could not bind 0.0.0.0:12000: address already in use" in plain words', () => {
    expect(samples[0].message).toBe('could not bind 0.0.0.0:12000: address already in use');
  });

  it('words a timeout as the client prints it: "No reply from 127.0.0.1:12000 after 4 tries"', () => {
    expect(samples[2].message).toBe('No reply from 127.0.0.1:12000 after 4 tries');
  });
});
