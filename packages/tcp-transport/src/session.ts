import { CLOSE_REASON, type CloseReason } from '@netlab/transport-core';
import type { TlsConnectionInfo } from './tls-options';

// The close reasons live beside the log events in @netlab/transport-core (one catalogue);
// re-exported here, where this package's users have always found them.
export { CLOSE_REASON };
export type { CloseReason };

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
  /**
   * On a TLS server: the protocol and cipher negotiated and, with client certificates
   * required, the client's (verified) certificate, which a session may authorise by.
   */
  tls?: TlsConnectionInfo;
}

/** What a session answers to one frame. */
export interface SessionResult<T> {
  /** Sent back, in order with the replies to the other frames. */
  reply?: T;
  /** Close the connection after this reply; later frames are not answered. */
  close?: boolean;
}

/**
 * What `handle` may return: the result at once (the fast path: no Promise, no extra
 * microtask) or a Promise of it, for a session that awaits a store or another service.
 */
export type SessionOutcome<T> = SessionResult<T> | PromiseLike<SessionResult<T>>;

/**
 * Per-connection protocol state. `@netlab/protocol`'s `Session` (`{ reply, close }`) fits
 * as it is. `handle` is called for each frame in the order the frames arrived, without
 * waiting for an earlier frame's Promise (up to `limits.maxInFlight` at once); the replies
 * are written in that same order, whatever order the Promises settle in.
 */
export interface SessionHandler<T> {
  /**
   * Answers one frame, at once or through a Promise. A throw or a rejection closes this
   * connection after the replies before it and one `Error: internal server error` line
   * (logged `Session failed`), not the server.
   */
  handle(frame: T): SessionOutcome<T>;
  /**
   * Optional bulk path (`@netlab/protocol`'s line sessions have it): answers a whole chunk
   * of plain-ASCII lines, given as one text by the decoder's `wholeText`, with all their
   * replies as one text, synchronously; undefined, having changed nothing, when a line needs
   * `handle` or the replies would pass `maxReplyBytes`. Used only when nothing watches single
   * frames (no `info` logging, no dump, no diagnostics subscriber) and nothing is queued.
   */
  answerText?(text: string, maxReplyBytes: number): string | undefined;
  /**
   * Called once when the connection has closed (whatever the reason), so a session that
   * registered itself somewhere (a chat room) can leave. A throw here is logged and ignored.
   */
  closed?(reason: CloseReason): void;
}

/**
 * The connection a session can speak on by itself (server push), given to
 * `createSession(info, connection)`. Frames it sends go out at once, between replies,
 * under the same `maxPendingWriteBytes` budget: a client that does not read is cut off,
 * never buffered for without bound.
 */
export interface SessionConnection<T> {
  /**
   * Writes one unsolicited frame. Returns false, writing nothing, if the connection is
   * ending or closed, or if the client is so far behind that the bytes already waiting
   * for it are over `maxPendingWriteBytes`: then it is closed at once (reason `reset`,
   * detail `slow reader`).
   */
  send(frame: T): boolean;
  /**
   * Ends the connection: nothing more is read or answered; what was written goes out,
   * then our side closes (`Connection closed`, reason `exit`, detail `session closed`).
   * Idempotent.
   */
  close(): void;
  /** True once the connection is ending or closed: `send` would return false. */
  readonly closed: boolean;
}
