/** Bytes describeBytes shows by default; past it the views are cut and `truncated` is set. */
export const DEFAULT_DUMP_LIMIT = 256;

/** What describeBytes returns: bounded views of some bytes, ready to log. */
export interface ByteDescription {
  /** Bytes in the whole buffer. */
  length: number;
  /** Printable ASCII kept, every other byte as '.', like the right column of hexdump -C. */
  text: string;
  /** Two lowercase hex digits a byte, space-separated: '48 69 0a'. */
  hex: string;
  /** True when only the first `limit` bytes are shown. */
  truncated: boolean;
}

/** Bounded text and hex views of bytes, for --dump logs. */
export function describeBytes(bytes: Uint8Array, limit = DEFAULT_DUMP_LIMIT): ByteDescription {
  const shown = Math.min(bytes.length, Math.max(0, Math.floor(limit)));
  let text = '';
  const hex: string[] = new Array(shown);
  for (let i = 0; i < shown; i++) {
    const byte = bytes[i];
    text += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : '.';
    hex[i] = byte < 0x10 ? `0${byte.toString(16)}` : byte.toString(16);
  }
  return { length: bytes.length, text, hex: hex.join(' '), truncated: shown < bytes.length };
}
