export type { Logger } from '@netlab/transport-core';
export { dumpDatagram, type Peer } from './datagram-dump';
export { tapDatagram } from './datagram-tap';
export type { RateLimitOptions } from './rate-limiter';
export { resolveHost, type ResolvedHost } from './resolve-host';
export { UDP_CHANNEL, UDP_DROP_REASON } from './diagnostics';
export type {
  UdpDatagramAnsweredMessage,
  UdpDatagramDroppedMessage,
  UdpDatagramReceivedMessage,
  UdpDropReason,
} from './diagnostics';
export {
  createUdpServer,
  DEFAULT_UDP_GRACE_MS,
  DEFAULT_UDP_MAX_IN_FLIGHT,
  type UdpCloseOptions,
  type UdpHandler,
  type UdpListenOptions,
  type UdpServer,
  type UdpServerAddress,
  type UdpServerOptions,
} from './udp-server';
export {
  createUdpClient,
  DEFAULT_RETRIES,
  DEFAULT_MAX_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  MAX_REQUEST_PAYLOAD_BYTES,
  type UdpClient,
  type UdpClientOptions,
  type UdpRequestOptions,
} from './udp-client';
export {
  describeCause,
  formatEndpoint,
  UdpAbortError,
  UdpBindError,
  UdpClosedError,
  UdpConnectError,
  UdpErrorCode,
  UdpMessageTooLargeError,
  UdpSendError,
  UdpTimeoutError,
  UdpTransportError,
  UdpUsageError,
  type UdpEndpoint,
} from './errors';
