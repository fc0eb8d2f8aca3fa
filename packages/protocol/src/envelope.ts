// The header is two integers (a version byte and a u32 id), checked directly: this runs for
// every datagram, so it builds no objects and calls no schema library.
import { InvalidEnvelopeError, UnsupportedEnvelopeVersionError } from './errors';

/**
 * UDP request ids: [0xFF][version u8 = 1][id u32 BE][payload ...].
 * 0xFF never occurs in valid UTF-8, so a plain text datagram (what nc -u or a textbook
 * Python client sends) can never be mistaken for an enveloped one.
 */
export const ENVELOPE_MARKER = 0xff;
/** The one envelope version this code speaks (byte 1 of the header). */
export const ENVELOPE_VERSION = 1;
/** Marker, version and a u32 id: the bytes an envelope adds to its payload. */
export const ENVELOPE_HEADER_BYTES = 6;
/** The most a UDP datagram over IPv4 can carry: 65,535 - 8 (UDP header) - 20 (IP header). */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;
/** Ids are u32 (big-endian on the wire): 0 to 2^32-1. */
export const MAX_ENVELOPE_ID = 0xffff_ffff;

/** An envelope's header: `{ version: 1, id }`, id a u32. */
export interface EnvelopeHeader {
  version: typeof ENVELOPE_VERSION;
  id: number;
}

/** A decoded envelope: its header fields and the payload behind them. */
export interface Envelope extends EnvelopeHeader {
  /** The request or reply bytes (a view of the datagram, not a copy). */
  payload: Buffer;
}

/** True when the datagram claims to be an envelope (decodeEnvelope may still reject it). */
export function isEnveloped(datagram: Uint8Array): boolean {
  return datagram.length > 0 && datagram[0] === ENVELOPE_MARKER;
}

/** The payload behind a 6-byte header carrying id. Throws InvalidEnvelopeError for an id outside u32. */
export function encodeEnvelope(id: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ENVELOPE_ID) {
    throw new InvalidEnvelopeError(
      `Envelope id must be an integer from 0 to ${MAX_ENVELOPE_ID}, got ${id}`,
    );
  }
  const out = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + payload.length);
  out[0] = ENVELOPE_MARKER;
  out[1] = ENVELOPE_VERSION;
  out.writeUInt32BE(id, 2);
  out.set(payload, ENVELOPE_HEADER_BYTES);
  return out;
}

/**
 * Header and payload (a view of the datagram, not a copy) of an enveloped datagram.
 * Throws InvalidEnvelopeError when it is not one or is cut short, and
 * UnsupportedEnvelopeVersionError for a version other than 1.
 */
export function decodeEnvelope(datagram: Buffer): Envelope {
  if (!isEnveloped(datagram)) {
    throw new InvalidEnvelopeError('Datagram is not an envelope: it does not start with 0xFF');
  }
  // The version comes first: a later version may have a different header length.
  if (datagram.length >= 2 && datagram[1] !== ENVELOPE_VERSION) {
    throw new UnsupportedEnvelopeVersionError(datagram[1]);
  }
  if (datagram.length < ENVELOPE_HEADER_BYTES) {
    throw new InvalidEnvelopeError(
      `Envelope of ${datagram.length} bytes is shorter than its ${ENVELOPE_HEADER_BYTES}-byte header`,
    );
  }
  // Marker, version and length checked above; any four bytes are a valid u32 id.
  return {
    version: ENVELOPE_VERSION,
    id: datagram.readUInt32BE(2),
    payload: datagram.subarray(ENVELOPE_HEADER_BYTES),
  };
}
