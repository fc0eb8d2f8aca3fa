/** Full Unicode uppercase, locale-independent: 'straße' -> 'STRASSE'. May grow the text. */
export function uppercase(text: string): string {
  return text.toUpperCase();
}

/**
 * Uppercase for UDP, where a reply must never be more bytes than its request (else the
 * server is an amplifier for spoofed requests). Works on the bytes:
 * - ASCII letters are uppercased;
 * - a valid UTF-8 character is replaced by its uppercase form only when that takes no
 *   more bytes ('é' -> 'É', 'ß' -> 'SS'; 'ΐ' stays, its uppercase is 6 bytes);
 * - bytes that are not valid UTF-8 pass unchanged.
 * So the result is never longer than the payload, and for ASCII it is uppercase(text).
 */
export function uppercaseWithinBytes(payload: Uint8Array): Buffer {
  const length = payload.length;
  const out = Buffer.allocUnsafe(length);
  let read = 0;
  let written = 0;
  while (read < length) {
    const byte = payload[read];
    if (byte < 0x80) {
      out[written++] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
      read++;
      continue;
    }
    const size = utf8SequenceLength(payload, read);
    if (size === 0) {
      out[written++] = byte;
      read++;
      continue;
    }
    const original = String.fromCodePoint(decodeCodePoint(payload, read, size));
    const upper = original.toUpperCase();
    if (upper !== original && Buffer.byteLength(upper, 'utf8') <= size) {
      written += out.write(upper, written, 'utf8');
    } else {
      out.set(payload.subarray(read, read + size), written);
      written += size;
    }
    read += size;
  }
  return out.subarray(0, written);
}

/**
 * Length of the well-formed UTF-8 sequence starting at i (Unicode table 3-7: no
 * overlongs, no surrogates, nothing past U+10FFFF), or 0 when there is none.
 */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  let size: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) size = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    size = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    size = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return 0;
  if (i + size > bytes.length) return 0;
  const second = bytes[i + 1];
  if (second < low || second > high) return 0;
  for (let k = 2; k < size; k++) {
    const next = bytes[i + k];
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return size;
}

function decodeCodePoint(bytes: Uint8Array, i: number, size: number): number {
  if (size === 2) return ((bytes[i] & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
  if (size === 3)
    return ((bytes[i] & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
  return (
    ((bytes[i] & 0x07) << 18) |
    ((bytes[i + 1] & 0x3f) << 12) |
    ((bytes[i + 2] & 0x3f) << 6) |
    (bytes[i + 3] & 0x3f)
  );
}
