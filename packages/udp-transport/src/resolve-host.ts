import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** An address to open a socket to, and its family (`udp4` or `udp6`). */
export interface ResolvedHost {
  address: string;
  family: 4 | 6;
}

/** An IP literal as it is; a host name (`localhost`, the machine's own name) through the system resolver. */
export async function resolveHost(host: string): Promise<ResolvedHost> {
  const family = isIP(host);
  if (family === 4 || family === 6) return { address: host, family };
  const found = await lookup(host);
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
}
