/**
 * One catalogue of every error @netlab/protocol throws. Callers branch on `code`
 * (stable, prefixed `PROTOCOL_`), never on the message text.
 */

/** Root of every netlab error; the transports extend it too. */
export class NetlabError extends Error {
  override name = 'NetlabError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Every code a ProtocolError carries, as an `as const` catalogue (and the union of its values). */
export const ProtocolErrorCode = {
  INVALID_OPTIONS: 'PROTOCOL_INVALID_OPTIONS',
  LINE_TOO_LONG: 'PROTOCOL_LINE_TOO_LONG',
  NEWLINE_IN_LINE: 'PROTOCOL_NEWLINE_IN_LINE',
  FRAME_TOO_LARGE: 'PROTOCOL_FRAME_TOO_LARGE',
  DECODER_FAILED: 'PROTOCOL_DECODER_FAILED',
  INVALID_ENVELOPE: 'PROTOCOL_INVALID_ENVELOPE',
  UNSUPPORTED_VERSION: 'PROTOCOL_UNSUPPORTED_VERSION',
  UNKNOWN_SERVICE: 'PROTOCOL_UNKNOWN_SERVICE',
  INVALID_PROXY_HEADER: 'PROTOCOL_INVALID_PROXY_HEADER',
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Base of every error thrown by @netlab/protocol. */
export class ProtocolError extends NetlabError {
  override name = 'ProtocolError';
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A constructor option is out of range (a programming error, thrown at once). */
export class InvalidOptionsError extends ProtocolError {
  override name = 'InvalidOptionsError';
  readonly option: string;

  constructor(option: string, expected: string, actual: unknown) {
    super(
      ProtocolErrorCode.INVALID_OPTIONS,
      `Option ${option} must be ${expected}, got ${String(actual)}`,
    );
    this.option = option;
  }
}

/**
 * A decoder met a frame over its size limit: the one breach a transport answers with
 * `Error: line too long (limit N bytes)` before it closes the connection. A transport tells
 * it apart with `instanceof`; `frames` holds the complete frames of the same chunk that came
 * before the breach, so a server can still answer them first.
 */
export abstract class FrameLimitError<T = unknown> extends ProtocolError {
  /** The decoder's limit, in bytes (maxLineBytes, maxFrameBytes). */
  readonly limitBytes: number;
  readonly frames: T[];

  constructor(code: ProtocolErrorCode, message: string, limitBytes: number, frames: T[]) {
    super(code, message);
    this.limitBytes = limitBytes;
    this.frames = frames;
  }
}

/** A line (or the unfinished tail of one) exceeded maxLineBytes. */
export class LineTooLongError extends FrameLimitError<string> {
  override name = 'LineTooLongError';
  readonly maxLineBytes: number;

  constructor(maxLineBytes: number, frames: string[]) {
    super(
      ProtocolErrorCode.LINE_TOO_LONG,
      `Line longer than ${maxLineBytes} bytes`,
      maxLineBytes,
      frames,
    );
    this.maxLineBytes = maxLineBytes;
  }
}

/** encodeLines was given a line that contains '\n', which would split it in two on the wire. */
export class NewlineInLineError extends ProtocolError {
  override name = 'NewlineInLineError';
  readonly index: number;

  constructor(index: number) {
    super(
      ProtocolErrorCode.NEWLINE_IN_LINE,
      `Line ${index} contains a newline and cannot be sent as one line`,
    );
    this.index = index;
  }
}

/** A length-prefixed frame declared (or was given) more bytes than maxFrameBytes. */
export class FrameTooLargeError extends FrameLimitError<Buffer> {
  override name = 'FrameTooLargeError';
  readonly frameBytes: number;
  readonly maxFrameBytes: number;

  constructor(frameBytes: number, maxFrameBytes: number, frames: Buffer[] = []) {
    super(
      ProtocolErrorCode.FRAME_TOO_LARGE,
      `Frame of ${frameBytes} bytes exceeds the maximum of ${maxFrameBytes}`,
      maxFrameBytes,
      frames,
    );
    this.frameBytes = frameBytes;
    this.maxFrameBytes = maxFrameBytes;
  }
}

/** push() after a decoder already failed: the stream is out of sync, so nothing more is decoded. */
export class DecoderFailedError extends ProtocolError {
  override name = 'DecoderFailedError';

  constructor(cause: unknown) {
    super(ProtocolErrorCode.DECODER_FAILED, 'Decoder already failed; it accepts no more input', {
      cause,
    });
  }
}

/** A datagram marked as an envelope whose header is malformed, or an envelope that cannot be built. */
export class InvalidEnvelopeError extends ProtocolError {
  override name = 'InvalidEnvelopeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.INVALID_ENVELOPE, message, options);
  }
}

/** An envelope of a version this code does not speak. */
export class UnsupportedEnvelopeVersionError extends ProtocolError {
  override name = 'UnsupportedEnvelopeVersionError';
  readonly version: number;

  constructor(version: number) {
    super(ProtocolErrorCode.UNSUPPORTED_VERSION, `Unsupported envelope version ${version}`);
    this.version = version;
  }
}

/** createSession() was asked for a service that does not exist. */
export class UnknownServiceError extends ProtocolError {
  override name = 'UnknownServiceError';
  readonly service: string;

  constructor(service: string) {
    super(
      ProtocolErrorCode.UNKNOWN_SERVICE,
      `Unknown service "${service}" (expected task or uppercase)`,
    );
    this.service = service;
  }
}

/**
 * A connection on a PROXY-protocol listener did not start with a valid PROXY v1 or v2
 * header (missing, malformed, or longer than allowed). The connection cannot be trusted.
 */
export class InvalidProxyHeaderError extends ProtocolError {
  override name = 'InvalidProxyHeaderError';

  constructor(reason: string) {
    super(ProtocolErrorCode.INVALID_PROXY_HEADER, `Invalid PROXY protocol header: ${reason}`);
  }
}
