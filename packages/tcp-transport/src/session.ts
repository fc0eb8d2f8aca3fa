/** Why a connection closed: the closed list of the contract's `Connection closed` event. */
export const CLOSE_REASON = {
  exit: 'exit',
  clientClosed: 'client closed',
  idleTimeout: 'idle timeout',
  lineTooLong: 'line too long',
  reset: 'reset',
  shutdown: 'shutdown',
  serverBusy: 'server busy',
} as const;
/** One of CLOSE_REASON's values: the `reason` field of `Connection closed`. */
export type CloseReason = (typeof CLOSE_REASON)[keyof typeof CLOSE_REASON];

/** One side of a connection: an IP address and port, or (Unix domain socket) a path. */
export type PeerAddress = { address: string; port: number } | { path: string };

/** What a session is told about its connection when it is created. */
export interface ConnectionInfo {
  /** Unique per server, counting from 1. */
  id: number;
  /** The client's side. A Unix socket client is usually unnamed: `{ path: '' }`. */
  remote: PeerAddress;
  /** The server's side. */
  local: PeerAddress;
  /**
   * With `proxyProtocol`: the load balancer the connection came through (the socket's
   * peer), while `remote` is the client its PROXY header named.
   */
  proxy?: PeerAddress;
}

/** What a session answers to one frame. */
export interface SessionResult<T> {
  /** Sent back, in order with the replies to the other frames. */
  reply?: T;
  /** Close the connection after this reply; later frames are not answered. */
  close?: boolean;
}

/**
 * Per-connection protocol state. `@netlab/protocol`'s `Session` (`{ reply, close }`) fits
 * as it is. `handle` is called synchronously for each frame, in order.
 */
export interface SessionHandler<T> {
  /** Answers one frame. A throw closes this connection (logged `Session failed`), not the server. */
  handle(frame: T): SessionResult<T>;
}
