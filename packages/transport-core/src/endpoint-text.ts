/** An IP (or name) and port, as errors and logs print them. */
export interface HostPort {
  host: string;
  port: number;
}

/** Where a socket listens or connects: an IP (or name) and port, or a Unix socket path. */
export type Endpoint = HostPort | { path: string };

/** `127.0.0.1:12000`, `[::1]:12000`, `localhost:1060`: IPv6 literals in brackets, as in URLs. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An endpoint as errors print it: `127.0.0.1:1060`, `[::1]:1060`, or the socket path. */
export function formatEndpoint(endpoint: Endpoint): string {
  return 'path' in endpoint ? endpoint.path : formatHostPort(endpoint);
}

// Node's system errors say `connect ECONNREFUSED 127.0.0.1:1060`; users read the plain words.
const SYSTEM_ERROR_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EMSGSIZE: 'message too long',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary failure in name resolution',
  ENOENT: 'no such socket file',
  ENOTSOCK: 'not a socket',
  EINVAL: 'invalid argument',
  EAFNOSUPPORT: 'address family not supported',
};

/**
 * One short phrase for why an I/O call failed (`connection refused`), from a Node system
 * error's code, without Node's syscall prefix; other errors give their message.
 */
export function describeCause(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code in SYSTEM_ERROR_TEXT) return SYSTEM_ERROR_TEXT[code];
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
