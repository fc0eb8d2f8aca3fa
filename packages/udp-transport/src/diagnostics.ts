import { channel } from 'node:diagnostics_channel';
import type { Peer } from './datagram-dump';

/**
 * What the UDP server publishes on `node:diagnostics_channel`, the convention of node:http
 * and undici: anyone can subscribe (metrics, tracing, a test) without this package knowing
 * of them, and a channel nobody subscribes to costs one property read per datagram.
 */
export const UDP_CHANNEL = {
  /** A datagram arrived (before any check: rate-limited ones too). */
  datagramReceived: 'netlab:udp:datagram-received',
  /** A datagram was answered: the reply is handed to the socket. */
  datagramAnswered: 'netlab:udp:datagram-answered',
  /** A datagram got no reply, and why (`reason`). */
  datagramDropped: 'netlab:udp:datagram-dropped',
} as const;

/** Why a datagram got no reply: `reason` of `netlab:udp:datagram-dropped`. */
export const UDP_DROP_REASON = {
  /** Its source sent more than `rateLimit` allows. */
  rateLimited: 'rate-limited',
  /** An envelope that does not decode. */
  malformed: 'malformed',
  /** The reply would have more bytes than the request (amplification). */
  tooLarge: 'too-large',
  /** Every handler slot (`maxInFlight`) was taken. */
  inFlightCap: 'in-flight-cap',
  /** The handler threw (or its Promise rejected). */
  handlerFailed: 'handler-failed',
  /** The handler chose not to answer (returned undefined). */
  noReply: 'no-reply',
} as const;
/** One of UDP_DROP_REASON's values. */
export type UdpDropReason = (typeof UDP_DROP_REASON)[keyof typeof UDP_DROP_REASON];

/** On `netlab:udp:datagram-received`. */
export interface UdpDatagramReceivedMessage {
  readonly remote: Peer;
  readonly bytes: number;
}

/** On `netlab:udp:datagram-answered`. */
export interface UdpDatagramAnsweredMessage {
  readonly remote: Peer;
  /** The request's bytes and the reply's, as on the wire. */
  readonly bytes: number;
  readonly replyBytes: number;
  /** How long the handler took. */
  readonly durationMs: number;
}

/** On `netlab:udp:datagram-dropped`. */
export interface UdpDatagramDroppedMessage {
  readonly remote: Peer;
  readonly bytes: number;
  readonly reason: UdpDropReason;
}

const received = channel(UDP_CHANNEL.datagramReceived);
const answered = channel(UDP_CHANNEL.datagramAnswered);
const dropped = channel(UDP_CHANNEL.datagramDropped);

export function publishDatagramReceived(remote: Peer, bytes: number): void {
  if (received.hasSubscribers) {
    received.publish({ remote, bytes } satisfies UdpDatagramReceivedMessage);
  }
}

/** When handling began, to pass to publishDatagramAnswered; 0 (no clock read) if nobody listens. */
export function handlingStarted(): number {
  return answered.hasSubscribers ? performance.now() : 0;
}

export function publishDatagramAnswered(
  remote: Peer,
  bytes: number,
  replyBytes: number,
  startedAt: number,
): void {
  if (startedAt !== 0 && answered.hasSubscribers) {
    const durationMs = performance.now() - startedAt;
    answered.publish({
      remote,
      bytes,
      replyBytes,
      durationMs,
    } satisfies UdpDatagramAnsweredMessage);
  }
}

export function publishDatagramDropped(remote: Peer, bytes: number, reason: UdpDropReason): void {
  if (dropped.hasSubscribers) {
    dropped.publish({ remote, bytes, reason } satisfies UdpDatagramDroppedMessage);
  }
}
