import fc from 'fast-check';
import { DecoderFailedError, FrameTooLargeError } from './errors';
import {
  LengthPrefixedDecoder,
  encodeLengthPrefixed,
  lengthPrefixedCodec,
  type LengthPrefixedOptions,
} from './length-prefixed';
import { bytewise, cutOffsets, splitAt } from './test-support/chunks';

function decodeAll(chunks: readonly Buffer[], options?: LengthPrefixedOptions): Buffer[] {
  const decoder = new LengthPrefixedDecoder(options);
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

const header = (length: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return bytes;
};

describe('encodeLengthPrefixed', () => {
  it('puts a u32 big-endian byte length before each frame, all in one buffer', () => {
    const encoded = encodeLengthPrefixed([Buffer.from('Hi'), Buffer.from('héllo')]);
    expect(encoded).toEqual(
      Buffer.concat([header(2), Buffer.from('Hi'), header(6), Buffer.from('héllo')]),
    );
  });

  it('writes a 4-byte zero length for an empty frame', () => {
    expect(encodeLengthPrefixed([new Uint8Array(0)])).toEqual(header(0));
  });

  it('throws PROTOCOL_FRAME_TOO_LARGE for a frame over the maximum', () => {
    expect(() => encodeLengthPrefixed([Buffer.alloc(11)], 10)).toThrow(FrameTooLargeError);
    expect(encodeLengthPrefixed([Buffer.alloc(10)], 10)).toHaveLength(14);
  });
});

describe('LengthPrefixedDecoder', () => {
  it('returns each complete frame, in order', () => {
    const decoder = new LengthPrefixedDecoder();
    const frames = decoder.push(encodeLengthPrefixed([Buffer.from('one'), Buffer.from('two')]));
    expect(frames.map(String)).toEqual(['one', 'two']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('is binary-safe: newlines, zero bytes and invalid UTF-8 pass unchanged', () => {
    const frame = Buffer.from([0x00, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
    expect(decodeAll([encodeLengthPrefixed([frame])])).toEqual([frame]);
  });

  it('holds a frame until all its bytes are in, the header too', () => {
    const decoder = new LengthPrefixedDecoder();
    const encoded = encodeLengthPrefixed([Buffer.from('Hello')]);
    expect(decoder.push(encoded.subarray(0, 2))).toEqual([]);
    expect(decoder.push(encoded.subarray(2, 6))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(2);
    expect(decoder.push(encoded.subarray(6))).toEqual([Buffer.from('Hello')]);
  });

  it('returns a frame within one chunk as a view of it, not a copy', () => {
    const chunk = encodeLengthPrefixed([Buffer.from('view')]);
    const [frame] = new LengthPrefixedDecoder().push(chunk);
    expect(frame.buffer).toBe(chunk.buffer);
    expect(frame.byteOffset).toBe(chunk.byteOffset + 4);
  });

  it('rejects a declared length over maxFrameBytes as soon as the header is in', () => {
    const decoder = new LengthPrefixedDecoder({ maxFrameBytes: 10 });
    expect(decoder.push(encodeLengthPrefixed([Buffer.from('ok')]))).toHaveLength(1);
    const error = captureError(() =>
      decoder.push(Buffer.concat([encodeLengthPrefixed([Buffer.from('a')]), header(11)])),
    );
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect(error).toMatchObject({
      code: 'PROTOCOL_FRAME_TOO_LARGE',
      frameBytes: 11,
      maxFrameBytes: 10,
      frames: [Buffer.from('a')],
    });
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.push(header(0))).toThrow(DecoderFailedError);
  });

  it('defaults to a maximum of 1 MiB', () => {
    const decoder = new LengthPrefixedDecoder();
    expect(decoder.maxFrameBytes).toBe(1_048_576);
    expect(() => decoder.push(header(1_048_577))).toThrow(FrameTooLargeError);
  });

  it('never holds more than maxBufferedChunks separate chunks', () => {
    const decoder = new LengthPrefixedDecoder({ maxBufferedChunks: 2 });
    decoder.push(header(100));
    for (let i = 0; i < 99; i++) {
      decoder.push(Buffer.from('x'));
      expect(decoder.bufferedChunks).toBeLessThanOrEqual(2);
    }
    expect(decoder.push(Buffer.from('x'))).toEqual([Buffer.alloc(100, 'x')]);
    expect(decoder.bufferedChunks).toBe(0);
  });

  it('decodes a frame sent one byte at a time, with one chunk in its buffer', () => {
    const frame = Buffer.from('binary-safe message '.repeat(20));
    const decoded = decodeAll(bytewise(encodeLengthPrefixed([frame])), { maxBufferedChunks: 1 });
    expect(decoded).toEqual([frame]);
  });

  it('decodes back to the same frames for any bytes, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }),
        cutOffsets,
        fc.integer({ min: 1, max: 4 }),
        (frames, offsets, maxBufferedChunks) => {
          const chunks = splitAt(encodeLengthPrefixed(frames), offsets);
          const decoded = decodeAll(chunks, { maxBufferedChunks });
          expect(decoded.map((frame) => [...frame])).toEqual(frames.map((frame) => [...frame]));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('lengthPrefixedCodec', () => {
  it('encodes and decodes with the same maximum', () => {
    const codec = lengthPrefixedCodec({ maxFrameBytes: 4 });
    expect(() => codec.encode([Buffer.alloc(5)])).toThrow(FrameTooLargeError);
    expect(codec.createDecoder().push(codec.encode([Buffer.from('abcd')]))).toEqual([
      Buffer.from('abcd'),
    ]);
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
