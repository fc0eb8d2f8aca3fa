import { DecoderFailedError, FrameTooLargeError } from './errors';
import type { FrameCodec, FrameDecoder } from './frame-codec';
import { HeldChunks } from './held-chunks';
import { integerOption } from './options';

/** Limits of a LengthPrefixedDecoder (and of lengthPrefixedCodec); each has a default. */
export interface LengthPrefixedOptions {
  /** Largest frame accepted, in bytes, not counting its 4-byte header. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Chunks kept as separate views before they are copied into one. Default 64. */
  maxBufferedChunks?: number;
}

/** The default largest frame body, in bytes: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;
/** The u32 big-endian length before every frame. */
export const LENGTH_PREFIX_BYTES = 4;
const MAX_U32 = 0xffff_ffff;

function maxFrameBytesOption(value: number | undefined): number {
  return integerOption('maxFrameBytes', value, DEFAULT_MAX_FRAME_BYTES, 0, MAX_U32);
}

/**
 * Binary-safe frames: a u32 big-endian byte length, then that many bytes.
 * The declared length is checked against maxFrameBytes as soon as the 4 header bytes
 * are in, before any of the body is buffered. A frame that arrives within one chunk is
 * returned as a view of that chunk, not a copy.
 */
export class LengthPrefixedDecoder implements FrameDecoder<Buffer> {
  readonly maxFrameBytes: number;
  readonly maxBufferedChunks: number;
  #held: HeldChunks;
  /** Body length of the frame being read, or -1 while its header is incomplete. */
  #frameBytes = -1;
  #failure: FrameTooLargeError | undefined;

  constructor(options: LengthPrefixedOptions = {}) {
    this.maxFrameBytes = maxFrameBytesOption(options.maxFrameBytes);
    this.maxBufferedChunks = integerOption(
      'maxBufferedChunks',
      options.maxBufferedChunks,
      64,
      1,
      2 ** 20,
    );
    this.#held = new HeldChunks(this.maxBufferedChunks);
  }

  get bufferedBytes(): number {
    return this.#held.bytes;
  }

  /** Chunks held for the unfinished frame: never more than maxBufferedChunks. */
  get bufferedChunks(): number {
    return this.#held.count;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.#failure) throw new DecoderFailedError(this.#failure);
    const frames: Buffer[] = [];
    const held = this.#held;
    held.push(chunk);
    for (;;) {
      if (this.#frameBytes === -1) {
        if (held.bytes < LENGTH_PREFIX_BYTES) break;
        const length = held.take(LENGTH_PREFIX_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          held.clear();
          this.#failure = new FrameTooLargeError(length, this.maxFrameBytes, frames);
          throw this.#failure;
        }
        this.#frameBytes = length;
      }
      if (held.bytes < this.#frameBytes) break;
      frames.push(held.take(this.#frameBytes));
      this.#frameBytes = -1;
    }
    return frames;
  }
}

/** Frames as one buffer, each behind its u32 big-endian length. Throws FrameTooLargeError past maxFrameBytes. */
export function encodeLengthPrefixed(
  frames: readonly Uint8Array[],
  maxFrameBytes?: number,
): Buffer {
  const max = maxFrameBytesOption(maxFrameBytes);
  let total = 0;
  for (const frame of frames) {
    if (frame.length > max) throw new FrameTooLargeError(frame.length, max);
    total += LENGTH_PREFIX_BYTES + frame.length;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const frame of frames) {
    offset = out.writeUInt32BE(frame.length, offset);
    out.set(frame, offset);
    offset += frame.length;
  }
  return out;
}

/** Length-prefixed binary frames. */
export function lengthPrefixedCodec(options: LengthPrefixedOptions = {}): FrameCodec<Buffer> {
  new LengthPrefixedDecoder(options);
  return {
    createDecoder: () => new LengthPrefixedDecoder(options),
    encode: (frames) => encodeLengthPrefixed(frames, options.maxFrameBytes),
  };
}
