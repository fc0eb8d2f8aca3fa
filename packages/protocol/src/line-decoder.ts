import { isAscii } from 'node:buffer';
import { DecoderFailedError, LineTooLongError } from './errors';
import type { FrameDecoder } from './frame-codec';
import { HeldChunks } from './held-chunks';
import { integerOption } from './options';

/** Limits of a LineDecoder (and of lineCodec); each has a default. */
export interface LineDecoderOptions {
  /** Longest line accepted, in bytes, not counting its '\n' or '\r\n'. Default 65,536. */
  maxLineBytes?: number;
  /** Unfinished-line chunks kept as separate views before they are copied into one. Default 64. */
  maxBufferedChunks?: number;
}

/** The default longest line, in bytes without its terminator: 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 65_536;
/** The default number of chunks an unfinished line is held in before they are coalesced. */
export const DEFAULT_MAX_BUFFERED_CHUNKS = 64;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a byte stream into UTF-8 lines.
 *
 * - '\n' ends a line; one '\r' right before it is dropped; any other '\r' is kept.
 * - A character split across chunks is decoded whole.
 * - Invalid UTF-8 becomes U+FFFD, one per maximal invalid subsequence (the WHATWG rule
 *   Node's decoder follows, as Python's errors='replace'): the defined result, never an error.
 * - A line, or an unfinished tail, longer than maxLineBytes throws LineTooLongError at the
 *   first chunk that proves the breach, so a stream without newlines is never buffered
 *   without bound. The decoder is then failed: push throws DecoderFailedError.
 *
 * Chunks are kept as views, not copies: do not modify a buffer after pushing it.
 */
export class LineDecoder implements FrameDecoder<string> {
  readonly maxLineBytes: number;
  readonly maxBufferedChunks: number;
  // The unfinished line is #headText (already decoded) followed by #views (raw bytes).
  // The head always ends after an ASCII byte, where UTF-8 decoding starts afresh, so
  // decoding the rest on its own gives exactly what decoding the whole line would.
  #headText = '';
  #headBytes = 0;
  /** Made when a chunk first ends in an unfinished line: most connections send whole lines. */
  #views: HeldChunks | undefined;
  /** Bytes of the tail #decodeRun returned last, when asked for one. */
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
    return this.#headBytes + this.#heldBytes();
  }

  /** Chunks held undecoded for the unfinished line: never more than maxBufferedChunks. */
  get bufferedChunks(): number {
    return this.#views === undefined ? 0 : this.#views.count;
  }

  push(chunk: Buffer): string[] {
    if (this.#failure) throw new DecoderFailedError(this.#failure);
    if (chunk.length === 0) return [];
    if (this.#heldBytes() === 0 && chunk[chunk.length - 1] < 0x80) {
      // The common case: the chunk ends in ASCII, so it decodes in one go, its unfinished
      // tail included, with no search for its last '\n'.
      const lines = this.#decodeRun(chunk, 0, chunk.length, true);
      if (lines.length === 1) {
        // No '\n' at all: keep the bytes, not a string that would be re-joined each push.
        this.#keepBytes(chunk, 0, []);
        return [];
      }
      this.#headText = lines.pop() as string;
      this.#headBytes = this.#tailBytes;
      this.#checkTail(chunk, lines);
      return lines;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      this.#keepBytes(chunk, 0, []);
      return [];
    }
    let start = 0;
    if (this.#heldBytes() > 0) {
      // Raw bytes wait for this chunk: a character may straddle the two, so join them.
      start = chunk.indexOf(LF);
      const held = this.#held();
      held.push(chunk.subarray(0, start));
      const joined = held.drain();
      this.#headText += joined.toString('utf8');
      this.#headBytes += joined.length;
    }
    if (chunk[chunk.length - 1] < 0x80) {
      const lines = this.#decodeRun(chunk, start, chunk.length, true);
      this.#headText = lines.pop() as string;
      this.#headBytes = chunk.length - lastLf - 1;
      this.#checkTail(chunk, lines);
      return lines;
    }
    // The chunk ends inside a character: keep the bytes after its last '\n' raw until the
    // rest arrives.
    const lines = this.#decodeRun(chunk, start, lastLf, false);
    this.#headText = '';
    this.#headBytes = 0;
    if (lastLf + 1 < chunk.length) this.#keepBytes(chunk, lastLf + 1, lines);
    return lines;
  }

  /**
   * The chunk as one Latin-1 text when it is whole lines a line service can answer in bulk:
   * nothing held before it, its last byte '\n', every byte ASCII, no '\r' (whose '\r\n'
   * push would drop) and no line over maxLineBytes. Such a chunk decodes, line by line, to
   * exactly its bytes, so one native conversion of the whole chunk stands for the decode,
   * the split and the per-line strings. Undefined otherwise; push then works as ever.
   */
  wholeText(chunk: Buffer): string | undefined {
    const length = chunk.length;
    if (this.#failure || this.bufferedBytes !== 0 || length === 0) return undefined;
    if (chunk[length - 1] !== LF || !isAscii(chunk) || chunk.indexOf(CR) !== -1) return undefined;
    // Only a chunk longer than the limit can hold a line over it.
    if (length > this.maxLineBytes + 1) {
      for (let start = 0; start < length;) {
        const end = chunk.indexOf(LF, start);
        if (end - start > this.maxLineBytes) return undefined;
        start = end + 1;
      }
    }
    return chunk.toString('latin1');
  }

  /**
   * Ends the stream: the unfinished tail, if any, as a last line (a peer that closes
   * without a final '\n' still gets an answer). The decoder is empty afterwards.
   */
  flush(): string[] {
    if (this.#failure) throw new DecoderFailedError(this.#failure);
    if (this.bufferedBytes === 0) return [];
    const line = this.#headText + this.#held().drain().toString('utf8');
    this.#clear();
    return [line];
  }

  /**
   * The lines in head + chunk[start, end). With hasTail, the last element returned is the
   * unfinished tail after the last '\n', unchecked; otherwise chunk[end] is the '\n'
   * that ends the last line.
   */
  #decodeRun(chunk: Buffer, start: number, end: number, hasTail: boolean): string[] {
    // One decode and one split for the whole run is what makes this as fast as the naive
    // split('\n') loop. The limit is in bytes, so string lengths must stand in for byte
    // lengths: when the text has as many UTF-16 units as there are bytes, they are equal
    // line by line, since UTF-8 never takes fewer bytes than units. Otherwise, if every
    // byte decoded cleanly (no U+FFFD), Buffer.byteLength gives the exact count. A
    // replacement character hides how many bytes it stood for: then go by the bytes.
    const body = chunk.toString('utf8', start, end);
    const text = this.#headBytes === 0 ? body : this.#headText + body;
    const ascii = text.length === this.#headBytes + end - start;
    if (!ascii && text.includes('\uFFFD'))
      return this.#decodeRunByBytes(chunk, start, end, hasTail);
    const parts = text.split('\n');
    if (hasTail) {
      const tail = parts[parts.length - 1];
      this.#tailBytes = ascii ? tail.length : Buffer.byteLength(tail, 'utf8');
    }
    const hasCr = text.includes('\r');
    // A line of L units holds at most 3L bytes, so most lines need no byte count at all.
    const max = this.maxLineBytes;
    const unitsWithoutCount = ascii ? max : Math.floor(max / 3);
    if (!hasCr && text.length <= unitsWithoutCount) return parts;
    const complete = hasTail ? parts.length - 1 : parts.length;
    for (let i = 0; i < complete; i++) {
      const part = parts[i];
      const endsWithCr = hasCr && part.length > 0 && part.charCodeAt(part.length - 1) === CR;
      if (part.length > unitsWithoutCount) {
        const lineBytes = ascii ? part.length : Buffer.byteLength(part, 'utf8');
        if (lineBytes > max + 1 || (lineBytes === max + 1 && !endsWithCr)) {
          this.#fail(parts.slice(0, i));
        }
      }
      if (endsWithCr) parts[i] = part.slice(0, -1);
    }
    return parts;
  }

  /** As #decodeRun, a line at a time, measuring each on its bytes. */
  #decodeRunByBytes(chunk: Buffer, start: number, end: number, hasTail: boolean): string[] {
    const lines: string[] = [];
    let head = this.#headText;
    let headBytes = this.#headBytes;
    for (;;) {
      let lf = chunk.indexOf(LF, start);
      if (lf === -1 || lf >= end) {
        if (hasTail) {
          lines.push(head + chunk.toString('utf8', start, end));
          this.#tailBytes = headBytes + end - start;
          return lines;
        }
        lf = end;
      }
      let lineEnd = lf;
      if (lf > start) {
        if (chunk[lf - 1] === CR) lineEnd--;
      } else if (head.endsWith('\r')) {
        head = head.slice(0, -1);
        headBytes--;
      }
      if (headBytes + lineEnd - start > this.maxLineBytes) this.#fail(lines);
      lines.push(head + chunk.toString('utf8', start, lineEnd));
      head = '';
      headBytes = 0;
      if (lf === end) return lines;
      start = lf + 1;
    }
  }

  #keepBytes(chunk: Buffer, start: number, lines: string[]): void {
    this.#held().push(start === 0 ? chunk : chunk.subarray(start));
    this.#checkTail(chunk, lines);
  }

  /** Fails when the unfinished line, whose last byte ends chunk, is already too long. */
  #checkTail(chunk: Buffer, lines: string[]): void {
    const excess = this.bufferedBytes - this.maxLineBytes;
    // One byte over may still be the '\r' of a '\r\n' that has not arrived yet.
    if (excess > 1 || (excess === 1 && chunk[chunk.length - 1] !== CR)) this.#fail(lines);
  }

  #heldBytes(): number {
    return this.#views === undefined ? 0 : this.#views.bytes;
  }

  #held(): HeldChunks {
    return (this.#views ??= new HeldChunks(this.maxBufferedChunks));
  }

  #clear(): void {
    this.#views?.clear();
    this.#headText = '';
    this.#headBytes = 0;
  }

  #fail(lines: string[]): never {
    this.#clear();
    this.#failure = new LineTooLongError(this.maxLineBytes, lines);
    throw this.#failure;
  }
}
