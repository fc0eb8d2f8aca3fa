/**
 * The invariants the fuzz target checks, at run counts far above the unit tests': for every
 * input a peer can send, the protocol code throws nothing but a ProtocolError, buffers no
 * more than its limits allow, and gives the same result however the bytes are split.
 * A counterexample found here becomes a unit test beside the code it broke.
 */
import fc from 'fast-check';
import {
  DecoderFailedError,
  ENVELOPE_HEADER_BYTES,
  LengthPrefixedDecoder,
  LineDecoder,
  PROXY_V2_SIGNATURE,
  ProtocolError,
  ProxyHeaderDecoder,
  decodeEnvelope,
  encodeEnvelope,
  encodeLengthPrefixed,
  formatHistory,
  isEnveloped,
  parseHistory,
  uppercaseWithinBytes,
  type ProxyHeaderResult,
} from '../src';
import { cutOffsets, splitAt, streamBytes } from '../src/test-support/chunks';
import { referenceLines } from '../src/test-support/line-reference';

/** A named property, runnable whatever its argument types. */
export interface FuzzProperty {
  readonly name: string;
  check(parameters: fc.Parameters<unknown>): fc.RunDetails<unknown>;
}

function fuzzProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IPropertyWithHooks<Ts>,
): FuzzProperty {
  return {
    name,
    check: (parameters) =>
      fc.check(property, parameters as fc.Parameters<Ts>) as fc.RunDetails<unknown>,
  };
}

/** Anything thrown must be one of ours: a ProtocolError, never a TypeError or RangeError. */
function onlyProtocolErrors(error: unknown): void {
  if (!(error instanceof ProtocolError)) throw error;
}

/** Bytes a hostile peer may send: structured (newlines, CRs, split characters) or random. */
const peerBytes = fc.oneof(
  { arbitrary: streamBytes, weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
);

// ---------------------------------------------------------------------------------------
// LineDecoder

interface LineRun {
  lines: string[];
  failed: boolean;
  /** The flushed tail, for a run that did not fail. */
  flushed: string[];
}

function runLineDecoder(
  chunks: readonly Buffer[],
  maxLineBytes: number,
  maxBufferedChunks: number,
): LineRun {
  const decoder = new LineDecoder({ maxLineBytes, maxBufferedChunks });
  const lines: string[] = [];
  for (const chunk of chunks) {
    try {
      lines.push(...decoder.push(chunk));
    } catch (error) {
      onlyProtocolErrors(error);
      lines.push(...((error as { frames?: string[] }).frames ?? []));
      // Failed for good: every later push is refused the same way.
      try {
        decoder.push(Buffer.from('more\n'));
        throw new Error('push after a failure was accepted');
      } catch (again) {
        if (!(again instanceof DecoderFailedError)) throw again;
      }
      return { lines, failed: true, flushed: [] };
    }
    if (decoder.bufferedBytes > maxLineBytes + 1) {
      throw new Error(`holds ${decoder.bufferedBytes} bytes, limit ${maxLineBytes} + 1`);
    }
    if (decoder.bufferedChunks > maxBufferedChunks) {
      throw new Error(`holds ${decoder.bufferedChunks} chunks, limit ${maxBufferedChunks}`);
    }
  }
  return { lines, failed: false, flushed: decoder.flush() };
}

const lineDecoder = fuzzProperty(
  'LineDecoder: only ProtocolErrors, bounded, split-invariant, as the plain rules',
  fc.property(
    peerBytes,
    cutOffsets,
    fc.oneof(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 2048 })),
    fc.integer({ min: 1, max: 8 }),
    (input, offsets, maxLineBytes, maxBufferedChunks) => {
      const whole = runLineDecoder([input], maxLineBytes, maxBufferedChunks);
      const split = runLineDecoder(splitAt(input, offsets), maxLineBytes, maxBufferedChunks);
      const expected = referenceLines(input, maxLineBytes);
      const plain = {
        lines: expected.lines,
        failed: expected.failed,
        flushed:
          expected.failed || expected.tail.length === 0 ? [] : [expected.tail.toString('utf8')],
      };
      if (!sameRun(whole, plain)) {
        throw new Error(`whole input: ${fc.stringify(whole)}, rules: ${fc.stringify(plain)}`);
      }
      if (!sameRun(split, plain)) {
        throw new Error(`split input: ${fc.stringify(split)}, rules: ${fc.stringify(plain)}`);
      }
    },
  ),
);

function sameRun(a: LineRun, b: LineRun): boolean {
  return (
    a.failed === b.failed &&
    a.lines.length === b.lines.length &&
    a.lines.every((line, i) => line === b.lines[i]) &&
    a.flushed.length === b.flushed.length &&
    a.flushed.every((line, i) => line === b.flushed[i])
  );
}

// ---------------------------------------------------------------------------------------
// LengthPrefixedDecoder

function runLengthPrefixed(
  chunks: readonly Buffer[],
  maxFrameBytes: number,
  maxBufferedChunks: number,
): { frames: Buffer[]; failed: boolean } {
  const decoder = new LengthPrefixedDecoder({ maxFrameBytes, maxBufferedChunks });
  const frames: Buffer[] = [];
  for (const chunk of chunks) {
    try {
      frames.push(...decoder.push(chunk));
    } catch (error) {
      onlyProtocolErrors(error);
      frames.push(...((error as { frames?: Buffer[] }).frames ?? []));
      return { frames, failed: true };
    }
    // After a push the decoder holds less than a header, or less than the frame it reads.
    if (decoder.bufferedBytes >= Math.max(4, maxFrameBytes)) {
      throw new Error(`holds ${decoder.bufferedBytes} bytes, frames of at most ${maxFrameBytes}`);
    }
    if (decoder.bufferedChunks > maxBufferedChunks) {
      throw new Error(`holds ${decoder.bufferedChunks} chunks, limit ${maxBufferedChunks}`);
    }
  }
  return { frames, failed: false };
}

function sameFrames(a: { frames: Buffer[]; failed: boolean }, b: typeof a): boolean {
  return (
    a.failed === b.failed &&
    a.frames.length === b.frames.length &&
    a.frames.every((frame, i) => frame.equals(b.frames[i]))
  );
}

const lengthPrefixedBytes = fc.oneof(
  // Well-formed frames, perhaps cut short or followed by junk.
  fc
    .tuple(
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([frames, junk]) => Buffer.concat([encodeLengthPrefixed(frames, 2 ** 32 - 1), junk])),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);

const lengthPrefixed = fuzzProperty(
  'LengthPrefixedDecoder: only ProtocolErrors, bounded, split-invariant',
  fc.property(
    lengthPrefixedBytes,
    cutOffsets,
    fc.integer({ min: 0, max: 80 }),
    fc.integer({ min: 1, max: 8 }),
    (input, offsets, maxFrameBytes, maxBufferedChunks) => {
      const whole = runLengthPrefixed([input], maxFrameBytes, maxBufferedChunks);
      const split = runLengthPrefixed(splitAt(input, offsets), maxFrameBytes, maxBufferedChunks);
      if (!sameFrames(whole, split)) {
        throw new Error(`whole: ${fc.stringify(whole)}, split: ${fc.stringify(split)}`);
      }
    },
  ),
);

const lengthPrefixedRoundTrip = fuzzProperty(
  'LengthPrefixedDecoder: decodes what encodeLengthPrefixed wrote, however split',
  fc.property(
    fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }),
    cutOffsets,
    (frames, offsets) => {
      const bytes = encodeLengthPrefixed(frames);
      const decoded = runLengthPrefixed(splitAt(bytes, offsets), 1024, 4);
      const expected = { frames: frames.map((frame) => Buffer.from(frame)), failed: false };
      if (!sameFrames(decoded, expected)) throw new Error(`decoded ${fc.stringify(decoded)}`);
    },
  ),
);

// ---------------------------------------------------------------------------------------
// ProxyHeaderDecoder

/** The most a header can take before the decoder must have decided: v2's fixed part + 2048. */
const PROXY_DECISION_BYTES = 16 + 2048;

const ipv4 = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((parts) => parts.join('.'));
const port = fc.oneof(fc.nat(65535).map(String), fc.constantFrom('65536', '01', '-1', ''));

/** Things that look like PROXY headers, and that nearly do: what a fuzzer should aim at. */
const proxyBytes = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('TCP4', 'TCP6', 'UNKNOWN', 'UDP4', ''),
      fc.oneof(ipv4, fc.ipV6(), fc.string({ maxLength: 20 })),
      fc.oneof(ipv4, fc.ipV6()),
      port,
      port,
      fc.constantFrom('\r\n', '\n', '', '\r\n\r\n'),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(([family, source, destination, sport, dport, end, rest]) =>
      Buffer.concat([
        Buffer.from(`PROXY ${family} ${source} ${destination} ${sport} ${dport}${end}`),
        rest,
      ]),
    ),
  fc
    .tuple(
      fc.nat(255),
      fc.nat(255),
      fc.oneof(fc.nat(80), fc.nat(0xffff)),
      fc.uint8Array({ maxLength: 120 }),
    )
    .map(([versionCommand, family, length, body]) => {
      const fixed = Buffer.alloc(4);
      fixed[0] = versionCommand;
      fixed[1] = family;
      fixed.writeUInt16BE(length, 2);
      return Buffer.concat([PROXY_V2_SIGNATURE, fixed, body]);
    }),
  fc
    .tuple(fc.nat(PROXY_V2_SIGNATURE.length), fc.uint8Array({ maxLength: 40 }))
    .map(([n, tail]) => Buffer.concat([PROXY_V2_SIGNATURE.subarray(0, n), tail])),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

type ProxyOutcome = { result: ProxyHeaderResult } | { error: string } | { undecided: number };

function runProxyHeader(chunks: readonly Buffer[]): ProxyOutcome {
  const decoder = new ProxyHeaderDecoder();
  let pushed = 0;
  for (let i = 0; i < chunks.length; i++) {
    let result: ProxyHeaderResult | undefined;
    try {
      result = decoder.push(chunks[i]);
    } catch (error) {
      onlyProtocolErrors(error);
      return { error: (error as Error).message };
    }
    pushed += chunks[i].length;
    if (result) {
      const rest = Buffer.concat([result.rest, ...chunks.slice(i + 1)]);
      return { result: { header: result.header, rest } };
    }
    if (pushed > PROXY_DECISION_BYTES) {
      throw new Error(`still undecided after ${pushed} bytes: it buffers without bound`);
    }
  }
  return { undecided: pushed };
}

const proxyHeader = fuzzProperty(
  'ProxyHeaderDecoder: only ProtocolErrors, decided within 2,064 bytes, split-invariant',
  fc.property(proxyBytes, cutOffsets, (input, offsets) => {
    const whole = runProxyHeader([input]);
    const split = runProxyHeader(splitAt(input, offsets));
    // A failure may be found at an earlier byte when the input is split: compare outcomes,
    // and the header and the bytes after it when there is one.
    const same =
      'result' in whole
        ? 'result' in split &&
          fc.stringify(whole.result.header) === fc.stringify(split.result.header) &&
          whole.result.rest.equals(split.result.rest)
        : 'error' in whole
          ? 'error' in split
          : 'undecided' in split;
    if (!same) throw new Error(`whole: ${fc.stringify(whole)}, split: ${fc.stringify(split)}`);
  }),
);

// ---------------------------------------------------------------------------------------
// The UDP envelope, uppercase within bytes, History

const envelopeBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc
    .tuple(fc.nat(255), fc.uint8Array({ maxLength: 40 }))
    .map(([version, rest]) => Buffer.concat([Buffer.from([0xff, version]), rest])),
);

const envelope = fuzzProperty(
  'decodeEnvelope: only ProtocolErrors; what it accepts re-encodes to the same bytes',
  fc.property(envelopeBytes, (datagram) => {
    let decoded;
    try {
      decoded = decodeEnvelope(datagram);
    } catch (error) {
      onlyProtocolErrors(error);
      return;
    }
    if (!isEnveloped(datagram) || decoded.version !== 1) throw new Error('accepted a non-envelope');
    if (!decoded.payload.equals(datagram.subarray(ENVELOPE_HEADER_BYTES))) {
      throw new Error('payload is not the bytes after the header');
    }
    if (!encodeEnvelope(decoded.id, decoded.payload).equals(datagram)) {
      throw new Error('does not re-encode to the same bytes');
    }
  }),
);

const envelopeRoundTrip = fuzzProperty(
  'encodeEnvelope/decodeEnvelope: every id and payload round-trip',
  fc.property(fc.nat(0xffff_ffff), fc.uint8Array({ maxLength: 64 }), (id, payload) => {
    const decoded = decodeEnvelope(encodeEnvelope(id, payload));
    if (decoded.id !== id || !decoded.payload.equals(payload)) throw new Error('changed');
  }),
);

const uppercaseBytes = fuzzProperty(
  'uppercaseWithinBytes: never more bytes than it was given (no UDP amplification)',
  fc.property(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 120 }),
    ),
    (payload) => {
      const reply = uppercaseWithinBytes(payload);
      if (reply.length > payload.length) {
        throw new Error(`${payload.length} bytes in, ${reply.length} out`);
      }
    },
  ),
);

const history = fuzzProperty(
  'History: one line for any messages, read back exactly; parseHistory never throws',
  fc.property(
    fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 10 }),
    fc.string({ maxLength: 60 }),
    (messages, junk) => {
      const reply = formatHistory(messages);
      if (reply.includes('\n')) throw new Error('History reply spans lines');
      if (fc.stringify(parseHistory(reply)) !== fc.stringify(messages)) {
        throw new Error('History does not read back');
      }
      parseHistory(junk);
      parseHistory(`History: ${junk}`);
    },
  ),
);

export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  lineDecoder,
  lengthPrefixed,
  lengthPrefixedRoundTrip,
  proxyHeader,
  envelope,
  envelopeRoundTrip,
  uppercaseBytes,
  history,
];
