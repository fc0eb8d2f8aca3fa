import fc from 'fast-check';
import { NewlineInLineError } from './errors';
import { LineDecoder } from './line-decoder';
import { encodeLines, lineCodec } from './line-encoder';
import { cutOffsets, splitAt } from './test-support/chunks';

describe('encodeLines', () => {
  it('writes every line followed by "\\n", in one buffer', () => {
    expect(encodeLines(['Your data was 2 bytes', 'Disconnect']).toString()).toBe(
      'Your data was 2 bytes\nDisconnect\n',
    );
  });

  it('writes UTF-8', () => {
    expect(encodeLines(['HÉLLO'])).toEqual(Buffer.from([0x48, 0xc3, 0x89, 0x4c, 0x4c, 0x4f, 0x0a]));
  });

  it('writes nothing for no lines, and "\\n" for one empty line', () => {
    expect(encodeLines([])).toHaveLength(0);
    expect(encodeLines([''])).toEqual(Buffer.from('\n'));
  });

  it('ends a line ending in "\\r" with "\\r\\n", so the decoder gives the "\\r" back', () => {
    expect(encodeLines(['a\r']).toString()).toBe('a\r\r\n');
  });

  it('throws PROTOCOL_NEWLINE_IN_LINE, naming the line, for a line holding "\\n"', () => {
    expect(() => encodeLines(['fine', 'two\nlines'])).toThrow(NewlineInLineError);
    expect(() => encodeLines(['fine', 'two\nlines'])).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_NEWLINE_IN_LINE', index: 1 }),
    );
  });

  it('decodes back to the same lines for any text without "\\n", split anywhere', () => {
    const line = fc
      .string({ unit: 'binary', maxLength: 30 })
      .filter((text) => !text.includes('\n'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), cutOffsets, (lines, offsets) => {
        const decoder = new LineDecoder();
        const decoded = splitAt(encodeLines(lines), offsets).flatMap((chunk) =>
          decoder.push(chunk),
        );
        expect(decoded).toEqual(lines);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('lineCodec', () => {
  it('makes a fresh decoder with the given limits for each connection', () => {
    const codec = lineCodec({ maxLineBytes: 3 });
    const first = codec.createDecoder();
    first.push(Buffer.from('ab'));
    const second = codec.createDecoder();
    expect(second.bufferedBytes).toBe(0);
    expect(() => second.push(Buffer.from('abcd\n'))).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_LINE_TOO_LONG' }),
    );
  });

  it('encodes with encodeLines', () => {
    expect(lineCodec().encode(['a', 'b'])).toEqual(Buffer.from('a\nb\n'));
  });

  it('rejects bad options when it is made, not on the first connection', () => {
    expect(() => lineCodec({ maxLineBytes: -1 })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_OPTIONS' }),
    );
  });
});
