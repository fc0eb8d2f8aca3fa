import { subscribe } from 'node:diagnostics_channel';
import { udpServerMetrics } from '@netlab/cli';
import {
  UDP_CHANNEL,
  type UdpDatagramAnsweredMessage,
  type UdpDatagramDroppedMessage,
  type UdpDatagramReceivedMessage,
} from '@netlab/udp-transport';

/**
 * Feeds the server's Prometheus metrics from udp-transport's diagnostics channels. Outcome
 * labels use underscores, as Prometheus label values conventionally do (`rate_limited`).
 */
export function observeUdpServer(): void {
  const metrics = udpServerMetrics();
  subscribe(UDP_CHANNEL.datagramReceived, (message) => {
    metrics.messagesReceived.inc();
    metrics.receivedBytes.inc((message as UdpDatagramReceivedMessage).bytes);
  });
  subscribe(UDP_CHANNEL.datagramAnswered, (message) => {
    const { replyBytes, durationMs } = message as UdpDatagramAnsweredMessage;
    metrics.repliesSent.inc();
    metrics.sentBytes.inc(replyBytes);
    metrics.handlerDuration.observe(durationMs / 1000);
    metrics.datagrams.inc({ outcome: 'answered' });
  });
  subscribe(UDP_CHANNEL.datagramDropped, (message) => {
    const { reason } = message as UdpDatagramDroppedMessage;
    metrics.datagrams.inc({ outcome: reason.replace(/-/g, '_') });
  });
}
