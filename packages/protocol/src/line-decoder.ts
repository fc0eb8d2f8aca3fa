import { DecoderFailedError, LineTooLongError } from './errors';
import type { FrameDecoder } from './frame-codec';
import { integerOption } from './options';

export interface LineDecoderOptions {
  /** Longest line accepted, in bytes, not counting its '\n' or '\r\n'. Default 65,536. */
  maxLineBytes?: number;
  /** Unfinished-line chunks kept as separate views before they are copied into one. Default 64. */
  maxBufferedChunks?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 65_536;
export const DEFAULT_MAX_BUFFERED_CHUNKS = 64;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a byte stream into UTF-8 lines.
 *
 * - '\n' ends a line; one '\r' right before it is dropped; any other '\r' is kept.
 * - A line is decoded only once complete, so a character split across chunks is whole.
 * - Invalid UTF-8 becomes U+FFFD, one per maximal invalid subsequence (the WHATWG rule
 *   Node's decoder follows, as Python's errors='replace'): the defined result, never an error.
 * - A line, or an unfinished tail, longer than maxLineBytes throws LineTooLongError at the
 *   first byte that proves the breach, so a stream without newlines is never buffered
 *   without bound. The decoder is then failed: push throws DecoderFailedError.
 *
 * Chunks are kept as views, not copies: do not modify a buffer after pushing it.
 */
export class LineDecoder implements FrameDecoder<string> {
  readonly maxLineBytes: number;
  readonly maxBufferedChunks: number;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #failure: LineTooLongError | undefined;

  constructor(options: LineDecoderOptions = {}) {
    this.maxLineBytes = integerOption(
      'maxLineBytes',
      options.maxLineBytes,
      DEFAULT_MAX_LINE_BYTES,
      1,
      2 ** 30,
    );
    this.maxBufferedChunks = integerOption(
      'maxBufferedChunks',
      options.maxBufferedChunks,
      DEFAULT_MAX_BUFFERED_CHUNKS,
      1,
      2 ** 20,
    );
  }

  get bufferedBytes(): number {
    return this.#tailBytes;
  }

  /** Separate chunks held for the unfinished frame: never more than maxBufferedChunks. */
  get bufferedChunks(): number {
    return this.#tail.length;
  }

  push(chunk: Buffer): string[] {
    if (this.#failure) throw new DecoderFailedError(this.#failure);
    const lines: string[] = [];
    if (chunk.length === 0) return lines;
    let start = 0;
    const firstLf = chunk.indexOf(LF);
    if (firstLf === -1) {
      this.#keepTail(chunk, lines);
      return lines;
    }
    if (this.#tailBytes > 0) {
      this.#tail.push(chunk.subarray(0, firstLf));
      const line = Buffer.concat(this.#tail, this.#tailBytes + firstLf);
      this.#tail = [];
      this.#tailBytes = 0;
      this.#pushLine(line, 0, line.length, lines);
      start = firstLf + 1;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf >= start) this.#decodeLines(chunk, start, lastLf, lines);
    if (lastLf + 1 < chunk.length) this.#keepTail(chunk.subarray(lastLf + 1), lines);
    return lines;
  }

  /**
   * Ends the stream: the unfinished tail, if any, as a last line (a peer that closes
   * without a final '\n' still gets an answer). The decoder is empty afterwards.
   */
  flush(): string[] {
    if (this.#failure) throw new DecoderFailedError(this.#failure);
    if (this.#tailBytes === 0) return [];
    const line = Buffer.concat(this.#tail, this.#tailBytes);
    this.#tail = [];
    this.#tailBytes = 0;
    return [line.toString('utf8')];
  }

  /** Lines in chunk[start, end) where chunk[end] is the last '\n'. */
  #decodeLines(chunk: Buffer, start: number, end: number, lines: string[]): void {
    // One decode and one split for the whole run of lines is what makes this as fast as
    // the naive split('\n') loop. The limit is in bytes, so string lengths must stand in
    // for byte lengths: when the text has as many UTF-16 units as the bytes (ASCII), they
    // are equal line by line, since UTF-8 never needs fewer bytes than units. Otherwise,
    // if every byte decoded cleanly (no U+FFFD), Buffer.byteLength gives the exact count.
    // A replacement character hides how many bytes it stood for, so then go by the bytes.
    const text = chunk.toString('utf8', start, end);
    const ascii = text.length === end - start;
    if (!ascii && text.includes('\uFFFD')) {
      this.#decodeLinesByBytes(chunk, start, end, lines);
      return;
    }
    const parts = text.split('\n');
    const max = this.maxLineBytes;
    // A line of L units holds at most 3L bytes, so most lines need no byte count at all.
    const unitsWithoutCount = ascii ? max : Math.floor(max / 3);
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i];
      const endsWithCr = part.length > 0 && part.charCodeAt(part.length - 1) === CR;
      if (part.length > unitsWithoutCount) {
        const bytes = ascii ? part.length : Buffer.byteLength(part, 'utf8');
        if (bytes > max + 1 || (bytes === max + 1 && !endsWithCr)) this.#fail(lines);
      }
      if (endsWithCr) part = part.slice(0, -1);
      lines.push(part);
    }
  }

  #decodeLinesByBytes(chunk: Buffer, start: number, end: number, lines: string[]): void {
    while (start <= end) {
      // chunk[end] is '\n', so this search always finds one.
      const lf = chunk.indexOf(LF, start);
      this.#pushLine(chunk, start, lf, lines);
      start = lf + 1;
    }
  }

  /** The line in bytes[start, end), its '\n' already removed. */
  #pushLine(bytes: Buffer, start: number, end: number, lines: string[]): void {
    if (end > start && bytes[end - 1] === CR) end--;
    if (end - start > this.maxLineBytes) this.#fail(lines);
    lines.push(bytes.toString('utf8', start, end));
  }

  #keepTail(view: Buffer, lines: string[]): void {
    this.#tail.push(view);
    this.#tailBytes += view.length;
    const excess = this.#tailBytes - this.maxLineBytes;
    // One byte over may still be the '\r' of a '\r\n' that has not arrived yet.
    if (excess > 1 || (excess === 1 && view[view.length - 1] !== CR)) this.#fail(lines);
    if (this.#tail.length > this.maxBufferedChunks) {
      // Coalesce, so a million one-byte writes make one buffer, not a million-entry list.
      this.#tail = [Buffer.concat(this.#tail, this.#tailBytes)];
    }
  }

  #fail(lines: string[]): never {
    this.#tail = [];
    this.#tailBytes = 0;
    this.#failure = new LineTooLongError(this.maxLineBytes, lines);
    throw this.#failure;
  }
}
