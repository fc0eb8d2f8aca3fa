import { ChatRoom, SERVICE_NAMES, createSession, type ServiceName } from '@netlab/protocol';
import type { ConnectionInfo, SessionConnection, SessionHandler } from '@netlab/tcp-transport';
import { formatHostPort } from '@netlab/transport-core';

/** What --service accepts: the protocol's request/reply services, and chat. */
export const TCP_SERVICE_NAMES = [...SERVICE_NAMES, 'chat'] as const;
export type TcpServiceName = (typeof TCP_SERVICE_NAMES)[number];

/** A new connection's session for the chosen service. */
export type SessionFactory = (
  info: ConnectionInfo,
  connection: SessionConnection<string>,
) => SessionHandler<string>;

/**
 * The sessions of `service`. task and uppercase: one of their own per connection. chat:
 * one room for this process, every connection a member known by its client's address.
 */
export function sessionsFor(
  service: TcpServiceName,
  options: { historyMaxBytes: number },
): SessionFactory {
  if (service === 'chat') {
    const room = new ChatRoom();
    return (info, connection) => room.join(memberName(info), connection);
  }
  const name: ServiceName = service;
  return () => createSession(name, { historyMaxBytes: options.historyMaxBytes });
}

/** `127.0.0.1:50312`, `[::1]:50312`; a Unix socket client has no address: `unix#<id>`. */
function memberName(info: ConnectionInfo): string {
  const { remote } = info;
  return 'path' in remote
    ? `unix#${info.id}`
    : formatHostPort({ host: remote.address, port: remote.port });
}
