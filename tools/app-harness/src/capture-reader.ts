import { runToEnd } from './processes';

/** One packet of a capture, as tshark decodes it. */
export interface CapturedPacket {
  transport: 'udp' | 'tcp';
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
  /** TCP's relative sequence number (its byte count so far); undefined for UDP. */
  seq?: number;
  /** TCP flags as tshark's hex (`0x0018` for PSH, ACK); undefined for UDP. */
  flags?: string;
  payload: Buffer;
}

const FIELDS = [
  'ip.src',
  'ipv6.src',
  'ip.dst',
  'ipv6.dst',
  'udp.srcport',
  'udp.dstport',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq',
  'tcp.flags',
  'udp.payload',
  'tcp.payload',
];

/**
 * Reads a capture file back with Debian's tshark (not with netlab's own code, so a test
 * proves a stranger's reader takes it): every packet, in order. tshark warns on stderr when
 * run as root (CI is); only its exit status and stdout count.
 */
export async function readCapture(file: string): Promise<CapturedPacket[]> {
  const result = await runToEnd('tshark', [
    '-r',
    file,
    // Payload bytes as they are: no guessing of protocols above UDP and TCP by port.
    '--disable-protocol',
    'data',
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-E',
    'occurrence=f',
    ...FIELDS.flatMap((field) => ['-e', field]),
  ]);
  if (result.code !== 0)
    throw new Error(`tshark -r ${file} failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ip4s, ip6s, ip4d, ip6d, us, ud, ts, td, seq, flags, up, tp] = line.split('|');
      const tcp = ts !== '';
      return {
        transport: tcp ? 'tcp' : 'udp',
        source: ip4s || ip6s,
        sourcePort: Number(tcp ? ts : us),
        destination: ip4d || ip6d,
        destinationPort: Number(tcp ? td : ud),
        ...(tcp ? { seq: Number(seq), flags } : {}),
        payload: Buffer.from((tcp ? tp : up).replace(/:/g, ''), 'hex'),
      };
    });
}
