/**
 * A check's verdict against the server: what was sent, what the exercise's protocol expects,
 * and what came back. Thrown by a check; the runner turns it into a failed result.
 */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
  constructor(
    readonly sent: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`sent ${sent}, expected ${expected}, got ${got}`);
  }
}

const SHOWN_CHARACTERS = 60;

/**
 * Bytes or text as a report shows them: quoted, escaped (`\n`, `\xff` for a byte that is not
 * UTF-8), cut after 60 characters with the full length said.
 */
export function showBytes(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const text = bytes.toString('utf8');
  // Bytes that are not UTF-8 decode to U+FFFD, which hides them: show those as \xNN instead.
  const shown = Buffer.from(text, 'utf8').equals(bytes)
    ? JSON.stringify(text.slice(0, SHOWN_CHARACTERS))
    : `"${[...bytes.subarray(0, SHOWN_CHARACTERS)].map(escapeByte).join('')}"`;
  const cut = text.length > SHOWN_CHARACTERS || bytes.length > SHOWN_CHARACTERS;
  return cut ? `${shown.slice(0, -1)}…" (${bytes.length} bytes)` : shown;
}

function escapeByte(byte: number): string {
  if (byte === 0x0a) return '\\n';
  if (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c) {
    return String.fromCharCode(byte);
  }
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}
