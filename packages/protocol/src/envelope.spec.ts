import fc from 'fast-check';
import {
  ENVELOPE_HEADER_BYTES,
  MAX_UDP_PAYLOAD_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  isEnveloped,
} from './envelope';
import { InvalidEnvelopeError, ProtocolError, UnsupportedEnvelopeVersionError } from './errors';

describe('envelope', () => {
  it('is [0xFF][version 1][id u32 BE] then the payload', () => {
    expect(encodeEnvelope(0x01020304, Buffer.from('hi'))).toEqual(
      Buffer.from([0xff, 0x01, 0x01, 0x02, 0x03, 0x04, 0x68, 0x69]),
    );
    expect(ENVELOPE_HEADER_BYTES).toBe(6);
  });

  it('decodes back to its version, id and payload', () => {
    const decoded = decodeEnvelope(encodeEnvelope(7, Buffer.from('hello')));
    expect(decoded).toEqual({ version: 1, id: 7, payload: Buffer.from('hello') });
  });

  it('allows an empty payload and the largest id', () => {
    expect(decodeEnvelope(encodeEnvelope(0xffffffff, Buffer.alloc(0)))).toEqual({
      version: 1,
      id: 0xffffffff,
      payload: Buffer.alloc(0),
    });
  });

  it('caps a UDP payload at 65,507 bytes', () => {
    expect(MAX_UDP_PAYLOAD_BYTES).toBe(65_507);
  });

  describe('telling plain text from an envelope', () => {
    it('treats any valid UTF-8 text as plain', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (text) => {
          expect(isEnveloped(Buffer.from(text, 'utf8'))).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it('treats every envelope as one', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array(), (id, payload) => {
          const envelope = encodeEnvelope(id, payload);
          expect(isEnveloped(envelope)).toBe(true);
          expect(decodeEnvelope(envelope)).toEqual({
            version: 1,
            id,
            payload: Buffer.from(payload),
          });
        }),
        { numRuns: 300 },
      );
    });

    it('treats an empty datagram as plain', () => {
      expect(isEnveloped(Buffer.alloc(0))).toBe(false);
    });
  });

  describe('errors', () => {
    it.each([
      ['a plain datagram', Buffer.from('hello')],
      ['the marker alone', Buffer.from([0xff])],
      ['a header cut short', Buffer.from([0xff, 0x01, 0x00, 0x00, 0x01])],
    ])('rejects %s with PROTOCOL_INVALID_ENVELOPE', (_name, datagram) => {
      expect(() => decodeEnvelope(datagram)).toThrow(InvalidEnvelopeError);
      expect(() => decodeEnvelope(datagram)).toThrow(
        expect.objectContaining({ code: 'PROTOCOL_INVALID_ENVELOPE' }),
      );
    });

    it('rejects version 2 with PROTOCOL_UNSUPPORTED_VERSION, naming the version', () => {
      const datagram = Buffer.from([0xff, 0x02, 0, 0, 0, 1, 0x68]);
      expect(() => decodeEnvelope(datagram)).toThrow(UnsupportedEnvelopeVersionError);
      expect(() => decodeEnvelope(datagram)).toThrow(
        expect.objectContaining({ code: 'PROTOCOL_UNSUPPORTED_VERSION', version: 2 }),
      );
    });

    it.each([-1, 1.5, 2 ** 32, Number.NaN])(
      'refuses to build an envelope with id %p, with a typed error',
      (id) => {
        let caught: unknown;
        try {
          encodeEnvelope(id, Buffer.alloc(0));
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(InvalidEnvelopeError);
        expect(caught).toBeInstanceOf(ProtocolError);
        expect((caught as InvalidEnvelopeError).message).toBe(
          `Envelope id must be an integer from 0 to 4294967295, got ${id}`,
        );
      },
    );
  });

  it('decodes the lowest and the highest id', () => {
    for (const id of [0, 2 ** 32 - 1]) {
      expect(decodeEnvelope(encodeEnvelope(id, Buffer.alloc(0)))).toMatchObject({ version: 1, id });
    }
  });
});
