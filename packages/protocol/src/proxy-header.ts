import { InvalidProxyHeaderError } from './errors';

/**
 * The PROXY protocol (HAProxy's, versions 1 and 2): a load balancer that forwards a TCP
 * connection first sends one header naming the real client, so the server can log and
 * serve the client rather than the balancer. Spec:
 * https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
 */
export interface ProxyHeader {
  version: 1 | 2;
  /**
   * `proxy`: the connection is relayed for `source`. `local`: the balancer speaks for
   * itself (its health checks); the socket's own addresses are the true ones.
   */
  command: 'proxy' | 'local';
  /** The real client, when the header names one (TCP over IPv4 or IPv6). */
  source?: { address: string; port: number };
  /** The address the client connected to, on the balancer. */
  destination?: { address: string; port: number };
}

/** v2's 12-byte signature: it cannot start any v1 header or any text protocol. */
export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);
const V1_PREFIX = Buffer.from('PROXY ');
/** "PROXY TCP6 " + two longest IPv6 addresses + two ports + CRLF: the spec's bound. */
const V1_MAX_BYTES = 107;
const V2_FIXED_BYTES = 16;
/** The addresses plus room for TLVs; v2 allows 64 KiB, but nothing we accept needs it. */
const V2_MAX_ADDRESS_BYTES = 2048;

/** What ProxyHeaderDecoder.push returns once the header is complete. */
export interface ProxyHeaderResult {
  /** The decoded header. */
  header: ProxyHeader;
  /** Bytes after the header: the start of the proxied stream. */
  rest: Buffer;
}

/**
 * Reads the PROXY header at the start of a connection, chunk by chunk. `push` returns
 * undefined until the header is complete, then the header and the bytes after it. Holds at
 * most one header's bytes; throws InvalidProxyHeaderError as soon as the bytes cannot be one.
 */
export class ProxyHeaderDecoder {
  #held: Buffer = Buffer.alloc(0);
  #done = false;

  push(chunk: Buffer): ProxyHeaderResult | undefined {
    if (this.#done) throw new InvalidProxyHeaderError('the header was already read');
    const bytes = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const result = startsLike(bytes, PROXY_V2_SIGNATURE) ? readV2(bytes) : readV1(bytes);
    if (result === undefined) {
      this.#held = bytes;
      return undefined;
    }
    this.#done = true;
    this.#held = Buffer.alloc(0);
    return result;
  }
}

/** True when what has arrived so far is a prefix of `signature`, or starts with it. */
function startsLike(bytes: Buffer, signature: Buffer): boolean {
  const n = Math.min(bytes.length, signature.length);
  return bytes.subarray(0, n).equals(signature.subarray(0, n));
}

function readV1(bytes: Buffer): ProxyHeaderResult | undefined {
  if (!startsLike(bytes, V1_PREFIX)) {
    throw new InvalidProxyHeaderError(
      'the connection does not start with "PROXY " or the v2 signature',
    );
  }
  const end = bytes.indexOf('\r\n');
  if (end === -1) {
    if (bytes.length >= V1_MAX_BYTES)
      throw new InvalidProxyHeaderError('v1 header longer than 107 bytes');
    return undefined;
  }
  if (end + 2 > V1_MAX_BYTES) throw new InvalidProxyHeaderError('v1 header longer than 107 bytes');
  const fields = bytes.toString('latin1', 0, end).split(' ');
  const rest = bytes.subarray(end + 2);
  if (fields[1] === 'UNKNOWN') return { header: { version: 1, command: 'proxy' }, rest };
  if (fields.length !== 6 || (fields[1] !== 'TCP4' && fields[1] !== 'TCP6')) {
    throw new InvalidProxyHeaderError('v1 header is not "PROXY TCP4|TCP6 SRC DST SPORT DPORT"');
  }
  const family = fields[1] === 'TCP4' ? 4 : 6;
  return {
    header: {
      version: 1,
      command: 'proxy',
      source: { address: v1Address(fields[2], family), port: v1Port(fields[4]) },
      destination: { address: v1Address(fields[3], family), port: v1Port(fields[5]) },
    },
    rest,
  };
}

function v1Address(text: string, family: 4 | 6): string {
  const valid = family === 4 ? isIPv4(text) : isIPv6(text);
  if (!valid) throw new InvalidProxyHeaderError(`v1 header has a bad IPv${family} address`);
  return text;
}

function v1Port(text: string): number {
  // No sign, no leading zeros, 0..65535: the spec's decimal form.
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) {
    throw new InvalidProxyHeaderError('v1 header has a bad port');
  }
  return Number(text);
}

function readV2(bytes: Buffer): ProxyHeaderResult | undefined {
  if (bytes.length < V2_FIXED_BYTES) return undefined;
  const versionCommand = bytes[12];
  if (versionCommand >> 4 !== 2) throw new InvalidProxyHeaderError('v2 header of another version');
  const command = versionCommand & 0x0f;
  if (command > 1) throw new InvalidProxyHeaderError('v2 header with an unknown command');
  const length = bytes.readUInt16BE(14);
  if (length > V2_MAX_ADDRESS_BYTES) {
    throw new InvalidProxyHeaderError(
      `v2 header of ${length} bytes (at most ${V2_MAX_ADDRESS_BYTES})`,
    );
  }
  if (bytes.length < V2_FIXED_BYTES + length) return undefined;
  const rest = bytes.subarray(V2_FIXED_BYTES + length);
  if (command === 0) return { header: { version: 2, command: 'local' }, rest };
  const block = bytes.subarray(V2_FIXED_BYTES, V2_FIXED_BYTES + length);
  const familyProtocol = bytes[13];
  switch (familyProtocol) {
    case 0x11: // TCP over IPv4
      if (block.length < 12) throw new InvalidProxyHeaderError('v2 IPv4 addresses cut short');
      return {
        header: {
          version: 2,
          command: 'proxy',
          source: { address: ipv4(block, 0), port: block.readUInt16BE(8) },
          destination: { address: ipv4(block, 4), port: block.readUInt16BE(10) },
        },
        rest,
      };
    case 0x21: // TCP over IPv6
      if (block.length < 36) throw new InvalidProxyHeaderError('v2 IPv6 addresses cut short');
      return {
        header: {
          version: 2,
          command: 'proxy',
          source: { address: ipv6(block, 0), port: block.readUInt16BE(32) },
          destination: { address: ipv6(block, 16), port: block.readUInt16BE(34) },
        },
        rest,
      };
    case 0x00: // UNSPEC: relayed, but the balancer does not say from where
      return { header: { version: 2, command: 'proxy' }, rest };
    default:
      throw new InvalidProxyHeaderError('v2 header for a transport other than TCP');
  }
}

function ipv4(block: Buffer, offset: number): string {
  return `${block[offset]}.${block[offset + 1]}.${block[offset + 2]}.${block[offset + 3]}`;
}

/** Compressed the way Node writes IPv6 addresses (RFC 5952): `::1`, `2001:db8::7`. */
function ipv6(block: Buffer, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(block.readUInt16BE(offset + 2 * i));
  // The longest run of two or more zero groups becomes '::' (the first, if tied).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return (
    parts.length === 4 &&
    parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
  );
}

function isIPv6(text: string): boolean {
  // Hex groups with at most one '::'; an IPv4 tail (::ffff:1.2.3.4) is allowed.
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.split('::').length > 2) return false;
  const groups = text.split(':');
  const last = groups[groups.length - 1];
  const v4Tail = last.includes('.');
  if (v4Tail && !isIPv4(last)) return false;
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  const counted = hexGroups.filter((group) => group !== '').length + (v4Tail ? 2 : 0);
  if (!hexGroups.every((group) => group === '' || /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return text.includes('::') ? counted < 8 : counted === 8;
}
