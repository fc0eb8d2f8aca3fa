import fc from 'fast-check';
import { uppercase, uppercaseWithinBytes } from './uppercase';

const up = (text: string) => uppercaseWithinBytes(Buffer.from(text, 'utf8')).toString('utf8');

describe('uppercase', () => {
  it('uppercases ASCII: "hello world" -> "HELLO WORLD"', () => {
    expect(uppercase('hello world')).toBe('HELLO WORLD');
  });

  it('uppercases all of Unicode, growing the text where it must: "straße" -> "STRASSE"', () => {
    // U+0390 'ΐ' uppercases to three code points: Ι, combining diaeresis, combining acute.
    expect(uppercase('straße héllo \u0390')).toBe('STRASSE HÉLLO \u0399\u0308\u0301');
  });

  it('does not depend on the locale: "i" -> "I"', () => {
    expect(uppercase('istanbul')).toBe('ISTANBUL');
  });
});

describe('uppercaseWithinBytes', () => {
  it('uppercases ASCII letters and leaves everything else', () => {
    expect(up('hello, world! 123 ~{}')).toBe('HELLO, WORLD! 123 ~{}');
  });

  it('uppercases a character whose uppercase is no longer: "héllo" -> "HÉLLO"', () => {
    expect(up('héllo')).toBe('HÉLLO');
  });

  it('turns "ß" (2 bytes) into "SS" (2 bytes)', () => {
    expect(up('straße')).toBe('STRASSE');
  });

  it('keeps "ΐ", whose uppercase is three code points and 6 bytes', () => {
    expect(up('ΐ')).toBe('ΐ');
  });

  it('keeps "ŉ" (2 bytes), whose uppercase "ʼN" is 3', () => {
    expect(up('ŉx')).toBe('ŉX');
  });

  it('uppercases characters outside the BMP: "𐐨" -> "𐐀"', () => {
    expect(up('𐐨')).toBe('𐐀');
  });

  it('shrinks where the uppercase is shorter: "ı" (2 bytes) -> "I"', () => {
    expect(uppercaseWithinBytes(Buffer.from('ı'))).toEqual(Buffer.from('I'));
  });

  it('passes invalid UTF-8 bytes unchanged, uppercasing around them', () => {
    const input = Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x63, 0xed, 0xa0, 0x80, 0xe2, 0x82]);
    expect(uppercaseWithinBytes(input)).toEqual(
      Buffer.from([0x41, 0xff, 0x42, 0xc3, 0x43, 0xed, 0xa0, 0x80, 0xe2, 0x82]),
    );
  });

  it('keeps overlong encodings unchanged rather than decoding them', () => {
    // c1 a1 would be an overlong 'a'.
    expect(uppercaseWithinBytes(Buffer.from([0xc1, 0xa1]))).toEqual(Buffer.from([0xc1, 0xa1]));
  });

  it('keeps U+FFFD', () => {
    expect(up('\ufffd')).toBe('\ufffd');
  });

  it('returns an empty buffer for an empty payload', () => {
    expect(uppercaseWithinBytes(Buffer.alloc(0))).toHaveLength(0);
  });

  describe('properties', () => {
    it('never returns more bytes than it was given, for any bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          expect(uppercaseWithinBytes(bytes).length).toBeLessThanOrEqual(bytes.length);
        }),
        { numRuns: 1000 },
      );
    });

    it('never returns more bytes than it was given, for any text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 32 }), (text) => {
          const input = Buffer.from(text, 'utf8');
          const output = uppercaseWithinBytes(input);
          expect(output.length).toBeLessThanOrEqual(input.length);
          // Valid UTF-8 in, valid UTF-8 out.
          expect(Buffer.from(output.toString('utf8'), 'utf8')).toEqual(output);
        }),
        { numRuns: 1000 },
      );
    });

    it('agrees with uppercase wherever uppercase does not grow a character', () => {
      const fits = (char: string) =>
        Buffer.byteLength(char.toUpperCase()) <= Buffer.byteLength(char);
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 32 }), (text) => {
          fc.pre([...text].every(fits));
          expect(up(text)).toBe(uppercase(text));
        }),
        { numRuns: 500 },
      );
    });

    it('equals uppercase for any ASCII text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary-ascii' }), (text) => {
          expect(up(text)).toBe(text.toUpperCase());
        }),
        { numRuns: 300 },
      );
    });
  });
});
