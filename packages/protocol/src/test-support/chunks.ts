import fc from 'fast-check';

/** Cuts bytes at the given offsets (any order, duplicates and out-of-range offsets allowed). */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Every byte its own chunk: the harshest split. */
export function bytewise(bytes: Buffer): Buffer[] {
  return [...bytes].map((byte) => Buffer.of(byte));
}

/** Offsets for splitAt: from none to many cuts. */
export const cutOffsets = fc.array(fc.nat(), { maxLength: 40 });

/**
 * Bytes rich in what line framing gets wrong: '\n', '\r', multi-byte characters (whole
 * and in pieces) and bytes that are never valid UTF-8.
 */
export const streamBytes = fc
  .array(
    fc.oneof(
      { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((byte) => [byte]), weight: 6 },
      { arbitrary: fc.constantFrom([0x0a], [0x0d], [0x0d, 0x0a]), weight: 3 },
      {
        arbitrary: fc
          .string({ unit: 'binary', minLength: 1, maxLength: 2 })
          .map((text) => [...Buffer.from(text)]),
        weight: 2,
      },
      {
        arbitrary: fc.constantFrom([0xff], [0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]),
        weight: 1,
      },
    ),
    { maxLength: 120 },
  )
  .map((pieces) => Buffer.from(pieces.flat()));
