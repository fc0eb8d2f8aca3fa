import fc from 'fast-check';
import { InvalidProxyHeaderError } from './errors';
import { PROXY_V2_SIGNATURE, ProxyHeaderDecoder, type ProxyHeaderResult } from './proxy-header';
import { splitAt, cutOffsets } from './test-support/chunks';

/** Feeds the chunks in order: the header, and every byte after it (in its chunk and later ones). */
function decode(chunks: Buffer[]): ProxyHeaderResult | undefined {
  const decoder = new ProxyHeaderDecoder();
  for (let i = 0; i < chunks.length; i++) {
    const result = decoder.push(chunks[i]);
    if (result)
      return { header: result.header, rest: Buffer.concat([result.rest, ...chunks.slice(i + 1)]) };
  }
  return undefined;
}

function v2(command: number, family: number, block: Buffer): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = family;
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
}

function v2Ipv4(source: number[], destination: number[], sport: number, dport: number): Buffer {
  const block = Buffer.alloc(12);
  block.set(source, 0);
  block.set(destination, 4);
  block.writeUInt16BE(sport, 8);
  block.writeUInt16BE(dport, 10);
  return v2(1, 0x11, block);
}

describe('ProxyHeaderDecoder: version 1', () => {
  it('reads "PROXY TCP4 192.0.2.7 198.51.100.1 56324 1060" and keeps the bytes after it', () => {
    const result = decode([Buffer.from('PROXY TCP4 192.0.2.7 198.51.100.1 56324 1060\r\nHi\n')]);
    expect(result).toEqual({
      header: {
        version: 1,
        command: 'proxy',
        source: { address: '192.0.2.7', port: 56324 },
        destination: { address: '198.51.100.1', port: 1060 },
      },
      rest: Buffer.from('Hi\n'),
    });
  });

  it('reads TCP6 addresses', () => {
    const result = decode([Buffer.from('PROXY TCP6 2001:db8::7 ::1 40000 1060\r\n')]);
    expect(result?.header.source).toEqual({ address: '2001:db8::7', port: 40000 });
    expect(result?.header.destination).toEqual({ address: '::1', port: 1060 });
  });

  it('takes "PROXY UNKNOWN" as relayed from an unnamed source', () => {
    expect(decode([Buffer.from('PROXY UNKNOWN\r\n')])?.header).toEqual({
      version: 1,
      command: 'proxy',
    });
  });

  it.each([
    ['a plain text line instead of a header', 'Hi\n'],
    ['a lowercase keyword', 'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['an unknown family', 'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['a missing port', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'],
    ['an address out of range', 'PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'],
    ['an IPv6 address under TCP4', 'PROXY TCP4 ::1 5.6.7.8 1 2\r\n'],
    ['a port past 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'],
    ['a port with a leading zero', 'PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n'],
    ['a header without CRLF within 107 bytes', `PROXY TCP4 ${'1'.repeat(120)}`],
  ])('rejects %s with PROTOCOL_INVALID_PROXY_HEADER', (_, text) => {
    expect(() => decode([Buffer.from(text)])).toThrow(InvalidProxyHeaderError);
    expect(() => decode([Buffer.from(text)])).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_PROXY_HEADER' }),
    );
  });

  it('rejects a plain client at its first byte, without waiting for more', () => {
    expect(() => new ProxyHeaderDecoder().push(Buffer.from('H'))).toThrow(InvalidProxyHeaderError);
  });
});

describe('ProxyHeaderDecoder: version 2', () => {
  it('reads TCP over IPv4 and keeps the bytes after the header', () => {
    const header = v2Ipv4([192, 0, 2, 7], [198, 51, 100, 1], 56324, 1060);
    expect(decode([Buffer.concat([header, Buffer.from('Hi\n')])])).toEqual({
      header: {
        version: 2,
        command: 'proxy',
        source: { address: '192.0.2.7', port: 56324 },
        destination: { address: '198.51.100.1', port: 1060 },
      },
      rest: Buffer.from('Hi\n'),
    });
  });

  it('reads TCP over IPv6, compressing addresses as Node prints them', () => {
    const block = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000007', 'hex').copy(block, 0);
    Buffer.from('00000000000000000000000000000001', 'hex').copy(block, 16);
    block.writeUInt16BE(40000, 32);
    block.writeUInt16BE(1060, 34);
    const result = decode([v2(1, 0x21, block)]);
    expect(result?.header.source).toEqual({ address: '2001:db8::7', port: 40000 });
    expect(result?.header.destination).toEqual({ address: '::1', port: 1060 });
  });

  it.each([
    ['00010000000000010000000000000001', '1:0:0:1::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000000000000010002', 'fe80::1:2'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
    ['00010000000200000000000000000003', '1:0:2::3'],
  ])('writes %s as %s', (hex, text) => {
    const block = Buffer.alloc(36);
    Buffer.from(hex, 'hex').copy(block, 0);
    expect(decode([v2(1, 0x21, block)])?.header.source?.address).toBe(text);
  });

  it('takes LOCAL (a health check from the balancer itself) without addresses', () => {
    expect(decode([v2(0, 0x00, Buffer.alloc(0))])?.header).toEqual({
      version: 2,
      command: 'local',
    });
  });

  it('skips TLVs after the addresses', () => {
    const header = v2Ipv4([10, 0, 0, 1], [10, 0, 0, 2], 1, 2);
    const withTlv = Buffer.concat([header, Buffer.from([0x04, 0x00, 0x01, 0xff])]);
    withTlv.writeUInt16BE(16, 14);
    expect(decode([Buffer.concat([withTlv, Buffer.from('x')])])?.rest).toEqual(Buffer.from('x'));
  });

  it.each([
    [
      'version 3',
      (() => {
        const h = v2Ipv4([1, 1, 1, 1], [2, 2, 2, 2], 1, 2);
        h[12] = 0x31;
        return h;
      })(),
    ],
    [
      'an unknown command',
      (() => {
        const h = v2Ipv4([1, 1, 1, 1], [2, 2, 2, 2], 1, 2);
        h[12] = 0x22;
        return h;
      })(),
    ],
    [
      'UDP over IPv4',
      (() => {
        const h = v2Ipv4([1, 1, 1, 1], [2, 2, 2, 2], 1, 2);
        h[13] = 0x12;
        return h;
      })(),
    ],
    ['IPv4 addresses cut short', v2(1, 0x11, Buffer.alloc(8))],
    ['an address block over 2048 bytes', v2(1, 0x11, Buffer.alloc(2049))],
  ])('rejects %s', (_, bytes) => {
    expect(() => decode([bytes])).toThrow(InvalidProxyHeaderError);
  });
});

describe('ProxyHeaderDecoder: any split', () => {
  it('gives the same header and rest however the bytes are cut', () => {
    const inputs = [
      Buffer.from('PROXY TCP4 192.0.2.7 198.51.100.1 56324 1060\r\nHi\nthere\n'),
      Buffer.concat([v2Ipv4([192, 0, 2, 7], [198, 51, 100, 1], 56324, 1060), Buffer.from('Hi\n')]),
    ];
    for (const input of inputs) {
      const whole = decode([input]);
      fc.assert(
        fc.property(cutOffsets, (offsets) => {
          expect(decode(splitAt(input, offsets))).toEqual(whole);
        }),
      );
    }
  });

  it('refuses a second header once one was read', () => {
    const decoder = new ProxyHeaderDecoder();
    decoder.push(Buffer.from('PROXY UNKNOWN\r\n'));
    expect(() => decoder.push(Buffer.from('PROXY UNKNOWN\r\n'))).toThrow(InvalidProxyHeaderError);
  });
});
