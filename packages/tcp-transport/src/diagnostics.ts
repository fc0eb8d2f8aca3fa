import { channel } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { CLOSE_REASON, type CloseReason, type ConnectionInfo } from './session';

/**
 * What the TCP server publishes on `node:diagnostics_channel`, the convention of node:http
 * and undici: anyone can subscribe (metrics, tracing, a test) without this package knowing
 * of them, and a channel nobody subscribes to costs one property read per event.
 */
export const TCP_CHANNEL = {
  /** A client's connection is accepted (a `server busy` one too). */
  connectionAccepted: 'netlab:tcp:connection-accepted',
  /** A connection is closed: why, and the bytes it carried each way. */
  connectionClosed: 'netlab:tcp:connection-closed',
  /** A frame is read from a connection and handed to its session. */
  messageReceived: 'netlab:tcp:message-received',
  /** The session has answered a frame (a Promise: once it settled); how long that took. */
  messageHandled: 'netlab:tcp:message-handled',
  /** Replies are written to a connection, in one write. */
  repliesSent: 'netlab:tcp:replies-sent',
  /** A connection broke a limit and is closed for it. */
  limitBreached: 'netlab:tcp:limit-breached',
  /**
   * A chunk of whole lines answered in one go (the bulk path of line services), in place of
   * the three per-frame events above for those lines. Subscribing to it says the subscriber
   * takes such passes: while anyone subscribes to a per-frame channel and nobody to this
   * one, every line goes frame by frame, so per-frame subscribers see every frame.
   */
  answeredInBulk: 'netlab:tcp:answered-in-bulk',
} as const;

/** On `netlab:tcp:connection-accepted`. */
export interface TcpConnectionAcceptedMessage {
  readonly connection: ConnectionInfo;
  /** The socket itself: its `bytesRead` and `bytesWritten` count while it is open. */
  readonly socket: Socket;
}

/** On `netlab:tcp:connection-closed`. */
export interface TcpConnectionClosedMessage {
  readonly connection: ConnectionInfo;
  readonly reason: CloseReason;
  /** Which limit or error, where the reason alone does not say (`line deadline`, `EPIPE`). */
  readonly detail: string | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** On `netlab:tcp:message-received`. */
export interface TcpMessageReceivedMessage {
  readonly connection: ConnectionInfo;
  /** The frame's bytes (UTF-8 for a text frame). */
  readonly bytes: number;
}

/** On `netlab:tcp:message-handled`. */
export interface TcpMessageHandledMessage {
  readonly connection: ConnectionInfo;
  readonly durationMs: number;
  /** false when the session threw or its Promise rejected. */
  readonly ok: boolean;
}

/** On `netlab:tcp:replies-sent`. */
export interface TcpRepliesSentMessage {
  readonly connection: ConnectionInfo;
  /** How many frames went out in this write (replies and error notices). */
  readonly replies: number;
}

/** On `netlab:tcp:answered-in-bulk`. */
export interface TcpAnsweredInBulkMessage {
  readonly connection: ConnectionInfo;
  /** Lines read and answered in this pass. */
  readonly messages: number;
  /** Reply lines written, in one write. */
  readonly replies: number;
  /** How long the whole pass took (the session's answer for all its lines). */
  readonly durationMs: number;
}

/** The limits a connection can break, as `kind` of `netlab:tcp:limit-breached`. */
export const TCP_LIMIT = {
  maxConnections: 'max-connections',
  maxLineBytes: 'max-line-bytes',
  idleTimeout: 'idle-timeout',
  lineDeadline: 'line-deadline',
  stuckWriter: 'stuck-writer',
  slowReader: 'slow-reader',
} as const;
/** One of TCP_LIMIT's values. */
export type TcpLimitKind = (typeof TCP_LIMIT)[keyof typeof TCP_LIMIT];

/** On `netlab:tcp:limit-breached`. */
export interface TcpLimitBreachedMessage {
  readonly connection: ConnectionInfo;
  readonly kind: TcpLimitKind;
}

const accepted = channel(TCP_CHANNEL.connectionAccepted);
const closed = channel(TCP_CHANNEL.connectionClosed);
const received = channel(TCP_CHANNEL.messageReceived);
const handled = channel(TCP_CHANNEL.messageHandled);
const sent = channel(TCP_CHANNEL.repliesSent);
const breached = channel(TCP_CHANNEL.limitBreached);
const bulk = channel(TCP_CHANNEL.answeredInBulk);

export function publishConnectionAccepted(connection: ConnectionInfo, socket: Socket): void {
  if (accepted.hasSubscribers) {
    accepted.publish({ connection, socket } satisfies TcpConnectionAcceptedMessage);
  }
}

/** `Connection closed`, and the limit it broke if that is why. */
export function publishConnectionClosed(
  connection: ConnectionInfo,
  reason: CloseReason,
  detail: string | undefined,
  socket: Socket,
): void {
  if (closed.hasSubscribers) {
    closed.publish({
      connection,
      reason,
      detail,
      bytesRead: socket.bytesRead,
      bytesWritten: socket.bytesWritten,
    } satisfies TcpConnectionClosedMessage);
  }
  if (breached.hasSubscribers) {
    const kind = limitOf(reason, detail);
    if (kind !== undefined)
      breached.publish({ connection, kind } satisfies TcpLimitBreachedMessage);
  }
}

/**
 * Whether someone needs single frames (received, handled, replies sent) and does not take
 * bulk passes instead: then the bulk path is off.
 */
export function framesObserved(): boolean {
  return (
    (received.hasSubscribers || handled.hasSubscribers || sent.hasSubscribers) &&
    !bulk.hasSubscribers
  );
}

/** When a bulk pass began, to pass to publishAnsweredInBulk; 0 (no clock read) if nobody listens. */
export function bulkStarted(): number {
  return bulk.hasSubscribers ? performance.now() : 0;
}

/** A bulk pass: `text` the lines read, `replies` the reply lines written. */
export function publishAnsweredInBulk(
  connection: ConnectionInfo,
  text: string,
  replies: string,
  startedAt: number,
): void {
  if (startedAt === 0 || !bulk.hasSubscribers) return;
  const durationMs = performance.now() - startedAt;
  bulk.publish({
    connection,
    messages: countLines(text),
    replies: countLines(replies),
    durationMs,
  } satisfies TcpAnsweredInBulkMessage);
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

export function publishMessageReceived(connection: ConnectionInfo, frame: unknown): void {
  if (received.hasSubscribers) {
    received.publish({ connection, bytes: frameBytes(frame) } satisfies TcpMessageReceivedMessage);
  }
}

/** When handling began, to pass to publishMessageHandled; 0 (no clock read) if nobody listens. */
export function handlingStarted(): number {
  return handled.hasSubscribers ? performance.now() : 0;
}

export function publishMessageHandled(
  connection: ConnectionInfo,
  startedAt: number,
  ok = true,
): void {
  if (startedAt !== 0 && handled.hasSubscribers) {
    const durationMs = performance.now() - startedAt;
    handled.publish({ connection, durationMs, ok } satisfies TcpMessageHandledMessage);
  }
}

/**
 * An asynchronous answer, timed until it settles: the promise itself when nobody listens,
 * so the common case adds no callback.
 */
export function timedAnswer<R>(
  connection: ConnectionInfo,
  startedAt: number,
  answer: PromiseLike<R>,
): PromiseLike<R> {
  if (startedAt === 0) return answer;
  return answer.then(
    (result) => {
      publishMessageHandled(connection, startedAt);
      return result;
    },
    (error: unknown) => {
      publishMessageHandled(connection, startedAt, false);
      throw error;
    },
  );
}

export function publishRepliesSent(connection: ConnectionInfo, replies: number): void {
  if (sent.hasSubscribers) sent.publish({ connection, replies } satisfies TcpRepliesSentMessage);
}

function limitOf(reason: CloseReason, detail: string | undefined): TcpLimitKind | undefined {
  switch (reason) {
    case CLOSE_REASON.serverBusy:
      return TCP_LIMIT.maxConnections;
    case CLOSE_REASON.lineTooLong:
      return TCP_LIMIT.maxLineBytes;
    case CLOSE_REASON.idleTimeout:
      if (detail === 'line deadline') return TCP_LIMIT.lineDeadline;
      if (detail === 'stuck writer') return TCP_LIMIT.stuckWriter;
      return TCP_LIMIT.idleTimeout;
    case CLOSE_REASON.reset:
      return detail === 'slow reader' ? TCP_LIMIT.slowReader : undefined;
    default:
      return undefined;
  }
}

function frameBytes(frame: unknown): number {
  if (typeof frame === 'string') return Buffer.byteLength(frame, 'utf8');
  if (frame instanceof Uint8Array) return frame.byteLength;
  return 0;
}
