// Finds the port a process listens on from /proc, for servers that do not print their
// `Listening at` line: netlab's servers log it at info, so at --log-level warn they start
// silently. A TCP socket in LISTEN state, or a bound UDP socket, owned by the process
// means it is ready, exactly as the log line would.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type Transport = 'tcp' | 'udp';

// /proc/net/tcp `st` column: 0A is TCP_LISTEN; UDP sockets that are bound but not
// connected show 07 (TCP_CLOSE, reused by UDP).
const READY_STATE: Record<Transport, string> = { tcp: '0A', udp: '07' };

export function findListeningPort(pid: number, transport: Transport): number | undefined {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return undefined;
  for (const table of [`/proc/net/${transport}`, `/proc/net/${transport}6`]) {
    const port = findPortInTable(readText(table), inodes, READY_STATE[transport]);
    if (port !== undefined) return port;
  }
  return undefined;
}

/**
 * The local port of the first row of a /proc/net/{tcp,udp}[6] table whose state is
 * `state` and whose inode is one of `inodes`.
 */
export function findPortInTable(
  table: string,
  inodes: ReadonlySet<string>,
  state: string,
): number | undefined {
  for (const row of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const fields = row.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== state || !inodes.has(fields[9])) continue;
    const port = parseInt(fields[1].slice(fields[1].lastIndexOf(':') + 1), 16);
    if (port > 0) return port;
  }
  return undefined;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let descriptors: string[];
  try {
    descriptors = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const descriptor of descriptors) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${descriptor}`));
      if (match) inodes.add(match[1]);
    } catch {
      // Closed between readdir and readlink: not the socket we are looking for.
    }
  }
  return inodes;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
