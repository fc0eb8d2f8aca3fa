import {
  TCP_CLIENT_STATUS,
  formatEndpoint,
  type TcpClientStatus,
  type TcpTarget,
} from '@netlab/tcp-transport';

/**
 * The one line --reconnect prints for a change of the connection, or undefined for changes
 * the user need not see (the first connect, each attempt; giving up is the session's last
 * line, printed when the client closes). Lost: what was lost and that it reconnects; back:
 * that it is a new session, so History starts over.
 */
export function statusLine(status: TcpClientStatus, target: TcpTarget): string | undefined {
  const endpoint = formatEndpoint(target);
  switch (status.type) {
    case TCP_CLIENT_STATUS.lost:
      return `${status.error.message}; reconnecting`;
    case TCP_CLIENT_STATUS.reconnected:
      return `Reconnected to ${endpoint}: a new session (History starts over)`;
    default:
      return undefined;
  }
}
