export { createTcpServer, DEFAULT_GRACE_MS, SERVER_STATE } from './tcp-server';
export type {
  TcpServer,
  TcpServerOptions,
  TcpListenOptions,
  TcpServerAddress,
  TcpCloseOptions,
} from './tcp-server';
export { connectTcp } from './tcp-client';
export type { TcpClient, TcpTarget, ConnectTcpOptions, TcpRequestOptions } from './tcp-client';
export { DEFAULT_RECONNECT, TCP_CLIENT_STATUS } from './client-status';
export type { TcpClientStatus, TcpReconnectOptions } from './client-status';
export { CLOSE_REASON } from './session';
export type {
  CloseReason,
  ConnectionInfo,
  PeerAddress,
  SessionConnection,
  SessionHandler,
  SessionOutcome,
  SessionResult,
} from './session';
export { TCP_CHANNEL, TCP_LIMIT } from './diagnostics';
export type {
  TcpAnsweredInBulkMessage,
  TcpConnectionAcceptedMessage,
  TcpConnectionClosedMessage,
  TcpLimitBreachedMessage,
  TcpLimitKind,
  TcpMessageHandledMessage,
  TcpMessageReceivedMessage,
  TcpRepliesSentMessage,
} from './diagnostics';
export { DEFAULT_LIMITS, resolveLimits } from './limits';
export type { TcpLimits } from './limits';
export type { Logger } from '@netlab/transport-core';
export {
  TcpErrorCode,
  TcpTransportError,
  TcpEndpointError,
  TcpListenError,
  TcpConnectError,
  TcpConnectionLostError,
  TcpTimeoutError,
  TcpAbortError,
  TcpClosedError,
  TcpUsageError,
  TcpTlsConfigError,
  TcpTlsHandshakeError,
  formatEndpoint,
  describeCause,
} from './errors';
export type { TcpEndpoint } from './errors';
export { loadClientTlsFiles, loadServerTlsFiles } from './tls-files';
export type { TlsFiles } from './tls-files';
export type {
  Pem,
  TcpClientTlsOptions,
  TcpServerTlsOptions,
  TlsConnectionInfo,
} from './tls-options';
