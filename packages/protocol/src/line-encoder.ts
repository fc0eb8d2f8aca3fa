import { NewlineInLineError } from './errors';
import type { FrameCodec } from './frame-codec';
import { LineDecoder, type LineDecoderOptions } from './line-decoder';

/**
 * Lines as one UTF-8 buffer, each ended by '\n': one socket write for many replies.
 * A line ending in '\r' is ended by '\r\n' instead, so that LineDecoder (which drops one
 * '\r' before '\n') gives it back unchanged. Throws NewlineInLineError for a line holding
 * '\n'. Lone UTF-16 surrogates are written as U+FFFD, as Buffer.from does.
 */
export function encodeLines(lines: readonly string[]): Buffer {
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.includes('\n')) throw new NewlineInLineError(i);
    text += line.endsWith('\r') ? `${line}\r\n` : `${line}\n`;
  }
  return Buffer.from(text, 'utf8');
}

/** Newline-delimited UTF-8 text: the TCP services' framing. */
export function lineCodec(options: LineDecoderOptions = {}): FrameCodec<string> {
  // Validate now rather than on the first connection.
  new LineDecoder(options);
  return {
    createDecoder: () => new LineDecoder(options),
    encode: encodeLines,
  };
}
