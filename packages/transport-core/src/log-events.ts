/**
 * Every message the transports log, in one place: the contract's events (SPEC.md's Logs
 * table: tests, the soak and log readers match on these strings) and the transports' own
 * warnings and debug lines. A transport logs `LOG_EVENT.x`, never a string of its own.
 */
export const LOG_EVENT = {
  // The contract's events.
  listening: 'Listening at',
  connectionAccepted: 'Connection accepted',
  messageReceived: 'Received message from client',
  connectionClosed: 'Connection closed',
  serverClosed: 'Server closed',
  // TCP server.
  sessionFailed: 'Session failed',
  proxyHeaderRejected: 'PROXY header rejected',
  acceptFailed: 'Accept failed',
  tlsHandshakeFailed: 'TLS handshake failed',
  frameIn: 'Frame in',
  frameOut: 'Frame out',
  // TCP client (debug).
  connected: 'Connected',
  disconnected: 'Disconnected',
  reconnecting: 'Reconnecting',
  // UDP server and client.
  handlerFailed: 'Handler failed',
  malformedEnvelope: 'Dropped malformed envelope',
  replyTooLarge: 'Dropped reply larger than request',
  overRateLimit: 'Dropped datagram over rate limit',
  overInFlightCap: 'Dropped datagram over in-flight cap',
  sendFailed: 'Could not send reply',
  socketError: 'Socket error',
  datagramIn: 'Datagram in',
  datagramOut: 'Datagram out',
  // UDP client (debug).
  sendingRequest: 'Sending request',
  noAnswerYet: 'No one answered yet',
  replyWithoutEnvelope: 'Discarded reply without envelope',
  malformedReply: 'Discarded malformed reply',
  staleReply: 'Discarded stale or duplicate reply',
} as const;
/** One of LOG_EVENT's values: the `msg` of a transport's log line. */
export type LogEvent = (typeof LOG_EVENT)[keyof typeof LOG_EVENT];

/** Why a TCP connection closed: the closed list of the contract's `Connection closed` event. */
export const CLOSE_REASON = {
  exit: 'exit',
  clientClosed: 'client closed',
  idleTimeout: 'idle timeout',
  lineTooLong: 'line too long',
  reset: 'reset',
  shutdown: 'shutdown',
  serverBusy: 'server busy',
  /** TLS only: plaintext on a TLS port, a client certificate missing or not trusted. */
  tlsHandshakeFailed: 'tls handshake failed',
} as const;
/** One of CLOSE_REASON's values: the `reason` field of `Connection closed`. */
export type CloseReason = (typeof CLOSE_REASON)[keyof typeof CLOSE_REASON];
