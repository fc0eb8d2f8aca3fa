/** A resumable decoder over a byte stream: feed it chunks as they arrive, get complete frames back. */
export interface FrameDecoder<T> {
  /** Complete frames, in order. Throws a ProtocolError on a breach; afterwards every push throws. */
  push(chunk: Buffer): T[];
  /** Bytes held for a frame that is not complete yet. */
  readonly bufferedBytes: number;
  /**
   * Optional bulk path: when this decoder holds nothing and `chunk` is whole frames that
   * decode to exactly its own bytes (plain ASCII lines), the chunk as one text, frames and
   * terminators included, for a session's `answerText`; else undefined. Changes nothing:
   * after undefined, `push` the chunk as usual.
   */
  wholeText?(chunk: Buffer): string | undefined;
}

/** A framing: how to cut a stream into frames, and how to write frames back as one buffer. */
export interface FrameCodec<T> {
  createDecoder(): FrameDecoder<T>;
  /** Many frames as one buffer, so a batch of replies costs one socket write. */
  encode(frames: readonly T[]): Buffer;
}
