import {
  DecoderFailedError,
  FrameLimitError,
  FrameTooLargeError,
  InvalidEnvelopeError,
  InvalidOptionsError,
  InvalidProxyHeaderError,
  LineTooLongError,
  NetlabError,
  NewlineInLineError,
  ProtocolError,
  ProtocolErrorCode,
  UnknownServiceError,
  UnsupportedEnvelopeVersionError,
} from './errors';

const codes = Object.values(ProtocolErrorCode);

const examples: ProtocolError[] = [
  new InvalidOptionsError('maxLineBytes', 'an integer', -1),
  new LineTooLongError(10, ['a']),
  new NewlineInLineError(0),
  new FrameTooLargeError(11, 10),
  new DecoderFailedError(new LineTooLongError(10, [])),
  new InvalidEnvelopeError('short'),
  new UnsupportedEnvelopeVersionError(2),
  new UnknownServiceError('echo'),
  new InvalidProxyHeaderError('no signature'),
];

describe('the error catalogue', () => {
  it('gives every error a unique code', () => {
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('prefixes every code with PROTOCOL_', () => {
    for (const code of codes) expect(code).toMatch(/^PROTOCOL_[A-Z_]+$/);
  });

  it('has a class for every code, and every class uses a catalogued code', () => {
    expect(examples.map((error) => error.code).sort()).toEqual([...codes].sort());
  });

  it.each(examples.map((error) => [error.name, error] as const))(
    '%s is a ProtocolError and a NetlabError named after its class',
    (name, error) => {
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toBeInstanceOf(NetlabError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(name).toBe(error.constructor.name);
      expect(error.message).not.toBe('');
    },
  );
});

describe('NetlabError', () => {
  it('keeps its code and cause', () => {
    const cause = new Error('EADDRINUSE');
    const error = new NetlabError('UDP_BIND_FAILED', 'Could not bind', { cause });
    expect(error.code).toBe('UDP_BIND_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('NetlabError');
  });

  it('lets another package name its own subclasses', () => {
    class UdpTimeoutError extends NetlabError {
      override name = 'UdpTimeoutError';
    }
    expect(new UdpTimeoutError('UDP_TIMEOUT', 'No reply').name).toBe('UdpTimeoutError');
  });
});

describe('DecoderFailedError', () => {
  it('keeps the breach that failed the decoder as its cause', () => {
    const breach = new LineTooLongError(10, []);
    expect(new DecoderFailedError(breach).cause).toBe(breach);
  });
});

describe('FrameLimitError', () => {
  it('is what both size breaches are, with the limit and the frames decoded before the breach', () => {
    const line = new LineTooLongError(1024, ['ok']);
    const frame = new FrameTooLargeError(2_000_000, 1_048_576, [Buffer.from('ok')]);
    expect(line).toBeInstanceOf(FrameLimitError);
    expect(frame).toBeInstanceOf(FrameLimitError);
    expect({ limit: line.limitBytes, frames: line.frames }).toEqual({
      limit: 1024,
      frames: ['ok'],
    });
    expect(frame.limitBytes).toBe(1_048_576);
    expect(new InvalidEnvelopeError('short')).not.toBeInstanceOf(FrameLimitError);
  });
});
