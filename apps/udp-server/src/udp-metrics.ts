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
    metrics.messagesReceived.add();
    metrics.receivedBytes.add((message as UdpDatagramReceivedMessage).bytes);
  });
  subscribe(UDP_CHANNEL.datagramAnswered, (message) => {
    const { replyBytes, durationMs } = message as UdpDatagramAnsweredMessage;
    metrics.repliesSent.add();
    metrics.sentBytes.add(replyBytes);
    metrics.handlerDuration.observe(durationMs / 1000);
    metrics.datagrams.addTo('answered');
  });
  subscribe(UDP_CHANNEL.datagramDropped, (message) => {
    const { reason } = message as UdpDatagramDroppedMessage;
    metrics.datagrams.addTo(reason.replace(/-/g, '_'));
  });
}
