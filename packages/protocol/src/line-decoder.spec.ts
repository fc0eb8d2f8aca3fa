import fc from 'fast-check';
import { DecoderFailedError, InvalidOptionsError, LineTooLongError } from './errors';
import { LineDecoder, type LineDecoderOptions } from './line-decoder';
import { bytewise, cutOffsets, splitAt, streamBytes } from './test-support/chunks';
import { referenceLines } from './test-support/line-reference';

/** Lines from pushing each chunk in turn, and whether the decoder failed on the way. */
function decode(chunks: readonly Buffer[], options?: LineDecoderOptions) {
  const decoder = new LineDecoder(options);
  const lines: string[] = [];
  try {
    for (const chunk of chunks) lines.push(...decoder.push(chunk));
  } catch (error) {
    if (!(error instanceof LineTooLongError)) throw error;
    lines.push(...error.frames);
    return { lines, failed: true, bufferedBytes: decoder.bufferedBytes };
  }
  return { lines, failed: false, bufferedBytes: decoder.bufferedBytes };
}

/** The plain rules' lines and failure, to compare with a decoder's. */
function reference(bytes: Buffer, maxLineBytes: number) {
  const { lines, failed } = referenceLines(bytes, maxLineBytes);
  return { lines, failed };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('LineDecoder', () => {
  describe('framing', () => {
    it('returns each line ended by "\\n", without it', () => {
      expect(new LineDecoder().push(bytes('Hi\nTesting Connection\n'))).toEqual([
        'Hi',
        'Testing Connection',
      ]);
    });

    it('drops one "\\r" right before "\\n" (telnet and socat crlf)', () => {
      expect(new LineDecoder().push(bytes('Hi\r\nthere\r\n'))).toEqual(['Hi', 'there']);
    });

    it('keeps a "\\r" that is not right before "\\n"', () => {
      expect(new LineDecoder().push(bytes('a\rb\n\r\r\n'))).toEqual(['a\rb', '\r']);
    });

    it('returns empty lines for consecutive newlines', () => {
      expect(new LineDecoder().push(bytes('\n\r\n\n'))).toEqual(['', '', '']);
    });

    it('holds an unfinished line until its "\\n" arrives', () => {
      const decoder = new LineDecoder();
      expect(decoder.push(bytes('Test'))).toEqual([]);
      expect(decoder.bufferedBytes).toBe(4);
      expect(decoder.push(bytes('ing Conn'))).toEqual([]);
      expect(decoder.push(bytes('ection\nHi'))).toEqual(['Testing Connection']);
      expect(decoder.bufferedBytes).toBe(2);
    });

    it('joins a "\\r" and its "\\n" that arrive in different chunks', () => {
      const decoder = new LineDecoder();
      expect(decoder.push(bytes('Hi\r'))).toEqual([]);
      expect(decoder.push(bytes('\n'))).toEqual(['Hi']);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('returns nothing for an empty chunk', () => {
      const decoder = new LineDecoder();
      expect(decoder.push(Buffer.alloc(0))).toEqual([]);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('decodes one byte at a time the same as all at once', () => {
      const input = bytes('héllo\r\nwörld €\n😀\n');
      expect(decode(bytewise(input)).lines).toEqual(['héllo', 'wörld €', '😀']);
    });
  });

  describe('UTF-8', () => {
    it('decodes "héllo" whose "é" is split across two chunks', () => {
      const decoder = new LineDecoder();
      expect(decoder.push(Buffer.from([0x68, 0xc3]))).toEqual([]);
      expect(decoder.push(Buffer.from([0xa9, 0x6c, 0x6c, 0x6f, 0x0a]))).toEqual(['héllo']);
    });

    it('decodes a four-byte emoji split across four chunks', () => {
      expect(decode(bytewise(bytes('😀\n'))).lines).toEqual(['😀']);
    });

    it('turns invalid UTF-8 into U+FFFD, one per maximal invalid subsequence', () => {
      // 0xff is never valid; e2 82 is a euro sign cut short before 'a'.
      const input = Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82, 0x61, 0x0a]);
      expect(new LineDecoder().push(input)).toEqual(['a\ufffdb\ufffda']);
    });

    it('keeps a genuine U+FFFD as it is', () => {
      expect(new LineDecoder().push(bytes('\ufffd\n'))).toEqual(['\ufffd']);
    });

    it('gives a lone trailing lead byte as U+FFFD when the line ends', () => {
      expect(new LineDecoder().push(Buffer.from([0x68, 0xc3, 0x0a]))).toEqual(['h\ufffd']);
    });
  });

  describe('maxLineBytes', () => {
    it('accepts a line of exactly maxLineBytes, with "\\n" or "\\r\\n"', () => {
      const decoder = new LineDecoder({ maxLineBytes: 5 });
      expect(decoder.push(bytes('12345\n12345\r\n'))).toEqual(['12345', '12345']);
    });

    it('counts bytes, not characters: "héllo" is 6 bytes', () => {
      expect(() => new LineDecoder({ maxLineBytes: 5 }).push(bytes('héllo\n'))).toThrow(
        LineTooLongError,
      );
      expect(new LineDecoder({ maxLineBytes: 6 }).push(bytes('héllo\n'))).toEqual(['héllo']);
    });

    it('counts the bytes behind invalid UTF-8, not the replacement characters', () => {
      const invalid = Buffer.from([0xff, 0xff, 0xff, 0x0a]);
      expect(() => new LineDecoder({ maxLineBytes: 2 }).push(invalid)).toThrow(LineTooLongError);
    });

    it('throws PROTOCOL_LINE_TOO_LONG with the lines decoded before the breach', () => {
      const decoder = new LineDecoder({ maxLineBytes: 5 });
      expect(decoder.push(bytes('one\n'))).toEqual(['one']);
      const error = captureError(() => decoder.push(bytes('two\n123456\nthree\n')));
      expect(error).toBeInstanceOf(LineTooLongError);
      expect(error).toMatchObject({
        code: 'PROTOCOL_LINE_TOO_LONG',
        maxLineBytes: 5,
        frames: ['two'],
      });
    });

    it('fails an unfinished line as soon as it is longer than maxLineBytes', () => {
      const decoder = new LineDecoder({ maxLineBytes: 5 });
      expect(decoder.push(bytes('12345'))).toEqual([]);
      expect(() => decoder.push(bytes('6'))).toThrow(LineTooLongError);
    });

    it('waits one byte past the limit when that byte is the "\\r" of a "\\r\\n"', () => {
      const decoder = new LineDecoder({ maxLineBytes: 5 });
      expect(decoder.push(bytes('12345\r'))).toEqual([]);
      expect(decoder.push(bytes('\n'))).toEqual(['12345']);
    });

    it('fails a stream of 10 MB without a newline after 64 KiB, holding no more than that', () => {
      const decoder = new LineDecoder();
      const chunk = Buffer.alloc(1460, 0x61);
      let pushed = 0;
      const error = captureError(() => {
        while (pushed < 10_000_000) {
          decoder.push(chunk);
          pushed += chunk.length;
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(65_536);
        }
      });
      expect(error).toBeInstanceOf(LineTooLongError);
      expect(pushed).toBeLessThan(65_536);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('refuses every later push with PROTOCOL_DECODER_FAILED, the breach as its cause', () => {
      const decoder = new LineDecoder({ maxLineBytes: 2 });
      const breach = captureError(() => decoder.push(bytes('abc\n')));
      const error = captureError(() => decoder.push(bytes('ok\n')));
      expect(error).toBeInstanceOf(DecoderFailedError);
      expect(error).toMatchObject({ code: 'PROTOCOL_DECODER_FAILED', cause: breach });
      expect(() => decoder.flush()).toThrow(DecoderFailedError);
    });
  });

  describe('maxBufferedChunks', () => {
    it('coalesces a tail of a million one-byte chunks and still finds the line', () => {
      const decoder = new LineDecoder({ maxLineBytes: 2_000_000 });
      const byte = Buffer.from('a');
      for (let i = 0; i < 1_000_000; i++) decoder.push(byte);
      expect(decoder.bufferedBytes).toBe(1_000_000);
      const [line] = decoder.push(bytes('\n'));
      expect(line).toHaveLength(1_000_000);
    });

    it('never holds more than maxBufferedChunks separate chunks', () => {
      const decoder = new LineDecoder({ maxBufferedChunks: 3 });
      for (let i = 0; i < 10; i++) {
        decoder.push(Buffer.from('a'));
        expect(decoder.bufferedChunks).toBeLessThanOrEqual(3);
      }
      expect(decoder.bufferedBytes).toBe(10);
      expect(decoder.push(Buffer.from('\n'))).toEqual(['a'.repeat(10)]);
      expect(decoder.bufferedChunks).toBe(0);
    });

    it('holds chunks without "\n" as raw chunks, so a long line is joined once, not per push', () => {
      const decoder = new LineDecoder();
      decoder.push(Buffer.from('ab\ncd'));
      decoder.push(Buffer.from('ef'));
      decoder.push(Buffer.from('gh'));
      expect(decoder.bufferedChunks).toBe(2);
      expect(decoder.push(Buffer.from('\n'))).toEqual(['cdefgh']);
    });

    it('gives the same lines whatever the chunk limit', () => {
      const input = bytes('ab\r\ncd€ef\ngh');
      const expected = decode([input]).lines;
      for (const maxBufferedChunks of [1, 2, 3]) {
        expect(decode(bytewise(input), { maxBufferedChunks }).lines).toEqual(expected);
      }
    });
  });

  describe('flush', () => {
    it('returns the unfinished tail as a last line, for a peer that ends without "\\n"', () => {
      const decoder = new LineDecoder();
      decoder.push(bytes('Hi\nExit'));
      expect(decoder.flush()).toEqual(['Exit']);
      expect(decoder.bufferedBytes).toBe(0);
      expect(decoder.flush()).toEqual([]);
    });
  });

  describe('options', () => {
    it.each([
      { maxLineBytes: 0 },
      { maxLineBytes: 1.5 },
      { maxLineBytes: Number.NaN },
      { maxBufferedChunks: 0 },
    ])('rejects %o with PROTOCOL_INVALID_OPTIONS', (options) => {
      expect(() => new LineDecoder(options)).toThrow(InvalidOptionsError);
    });

    it('defaults to 64 KiB lines and 64 chunks', () => {
      expect(new LineDecoder()).toMatchObject({ maxLineBytes: 65_536, maxBufferedChunks: 64 });
    });
  });

  describe('properties', () => {
    it('gives the same lines and failure for any chunk split of any input as the plain rules', () => {
      fc.assert(
        fc.property(
          streamBytes,
          cutOffsets,
          fc.integer({ min: 1, max: 24 }),
          fc.integer({ min: 1, max: 4 }),
          (input, offsets, maxLineBytes, maxBufferedChunks) => {
            const split = decode(splitAt(input, offsets), { maxLineBytes, maxBufferedChunks });
            const whole = decode([input], { maxLineBytes, maxBufferedChunks });
            expect(split).toEqual(whole);
            expect({ lines: whole.lines, failed: whole.failed }).toEqual(
              reference(input, maxLineBytes),
            );
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('gives the same lines for any chunk split as the plain rules, with the default limits', () => {
      fc.assert(
        fc.property(streamBytes, cutOffsets, (input, offsets) => {
          expect(decode(splitAt(input, offsets))).toEqual(decode([input]));
          expect(decode([input]).lines).toEqual(reference(input, 65_536).lines);
        }),
        { numRuns: 500 },
      );
    });

    it('never holds more than maxLineBytes + 1 bytes', () => {
      fc.assert(
        fc.property(
          streamBytes,
          cutOffsets,
          fc.integer({ min: 1, max: 24 }),
          (input, offsets, max) => {
            const decoder = new LineDecoder({ maxLineBytes: max });
            try {
              for (const chunk of splitAt(input, offsets)) {
                decoder.push(chunk);
                expect(decoder.bufferedBytes).toBeLessThanOrEqual(max + 1);
              }
            } catch (error) {
              if (!(error instanceof LineTooLongError)) throw error;
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
