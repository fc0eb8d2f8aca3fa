import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { tcpServerMetrics } from '@netlab/cli';
import {
  TCP_CHANNEL,
  type ConnectionInfo,
  type TcpAnsweredInBulkMessage,
  type TcpConnectionAcceptedMessage,
  type TcpConnectionClosedMessage,
  type TcpLimitBreachedMessage,
  type TcpMessageHandledMessage,
  type TcpRepliesSentMessage,
} from '@netlab/tcp-transport';

/**
 * Feeds the server's Prometheus metrics from tcp-transport's diagnostics channels: counts
 * per event, and the bytes of the streams (closed connections' totals plus what each open
 * socket has carried) added up at each scrape, so no event pays for them.
 */
export function observeTcpServer(): void {
  const metrics = tcpServerMetrics();
  const open = new Map<ConnectionInfo, Socket>();
  const closedBytes = { received: 0, sent: 0 };

  metrics.receivedBytes.addSource(() => {
    let bytes = closedBytes.received;
    for (const socket of open.values()) bytes += socket.bytesRead;
    return bytes;
  });
  metrics.sentBytes.addSource(() => {
    let bytes = closedBytes.sent;
    for (const socket of open.values()) bytes += socket.bytesWritten;
    return bytes;
  });

  subscribe(TCP_CHANNEL.connectionAccepted, (message) => {
    const { connection, socket } = message as TcpConnectionAcceptedMessage;
    open.set(connection, socket);
    metrics.connectionsAccepted.inc();
    metrics.connectionsOpen.inc();
  });
  subscribe(TCP_CHANNEL.connectionClosed, (message) => {
    const { connection, reason, bytesRead, bytesWritten } = message as TcpConnectionClosedMessage;
    if (!open.delete(connection)) return;
    closedBytes.received += bytesRead;
    closedBytes.sent += bytesWritten;
    metrics.connectionsOpen.dec();
    metrics.connectionsClosed.inc({ reason });
  });
  subscribe(TCP_CHANNEL.messageReceived, () => {
    metrics.messagesReceived.add();
  });
  subscribe(TCP_CHANNEL.messageHandled, (message) => {
    metrics.handlerDuration.observe((message as TcpMessageHandledMessage).durationMs / 1000);
  });
  subscribe(TCP_CHANNEL.repliesSent, (message) => {
    metrics.repliesSent.add((message as TcpRepliesSentMessage).replies);
  });
  // Lines answered in bulk (line services, when nothing else watches single frames): counted
  // together, each at the pass's mean time. Subscribing keeps that fast path on.
  subscribe(TCP_CHANNEL.answeredInBulk, (message) => {
    const { messages, replies, durationMs } = message as TcpAnsweredInBulkMessage;
    metrics.messagesReceived.add(messages);
    metrics.repliesSent.add(replies);
    if (messages > 0) metrics.handlerDuration.observeMany(durationMs / 1000 / messages, messages);
  });
  subscribe(TCP_CHANNEL.limitBreached, (message) => {
    metrics.limitBreaches.inc({ kind: (message as TcpLimitBreachedMessage).kind });
  });
}
