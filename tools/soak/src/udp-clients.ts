import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeEnvelope,
  encodeEnvelope,
  isEnveloped,
  uppercaseWithinBytes,
} from '@netlab/protocol';
import type { Counters, Failures } from './counters';

/** The lossy proxy's settings for the soak: every datagram, each way, may meet one of these. */
export const UDP_NETWORK = {
  drop: 0.1,
  duplicate: 0.05,
  reorder: 0.05,
  delay: { min: 0, max: 5 },
} as const;

/** First wait for a reply; each retry's ceiling doubles from it (full jitter below), as udp-client's. */
const FIRST_TIMEOUT_MS = 100;
/** Tries per request: at 10% loss each way one try fails 19% of the time, 12 fail 2e-9. */
const TRIES = 12;

export interface UdpClientContext {
  /** The lossy proxy's port, in front of udp-server. */
  readonly proxyPort: number;
  running(): boolean;
  readonly counters: Counters;
  readonly failures: Failures;
}

const SAMPLE_TEXT = ['hello', 'ß and ΐ', 'wörld', '日本語', '🙂', ''];

/**
 * Requests one at a time with a request id (the envelope), retried with backoff until the
 * reply with that id arrives. A duplicated or late reply carries an id already answered
 * and is set aside; each request is accepted exactly once, and must be its own text
 * uppercased (within its bytes).
 */
export async function runUdpClient(
  context: UdpClientContext,
  random: () => number,
  firstId: number,
): Promise<void> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let current = -1;
  let reply: Buffer | undefined;
  let wake: (() => void) | undefined;
  socket.on('message', (datagram) => {
    if (!isEnveloped(datagram)) return context.failures.add('udp: a reply without an envelope');
    const { id, payload } = decodeEnvelope(datagram);
    if (id !== current || reply !== undefined) {
      context.counters.add('udp duplicate or late replies set aside');
      return;
    }
    reply = payload;
    wake?.();
  });

  /** The reply to one request, with retries and backoff; undefined after the last try. */
  async function ask(id: number, request: Buffer): Promise<Buffer | undefined> {
    current = id;
    reply = undefined;
    const datagram = encodeEnvelope(id, request);
    for (let attempt = 0; attempt < TRIES && reply === undefined; attempt++) {
      if (attempt > 0) context.counters.add('udp retries (request or reply lost)');
      socket.send(datagram, context.proxyPort, '127.0.0.1');
      const timeout = new AbortController();
      await Promise.race([
        new Promise<void>((resolve) => (wake = resolve)),
        sleep(FIRST_TIMEOUT_MS * 2 ** Math.min(attempt, 4), undefined, {
          signal: timeout.signal,
        }).catch(() => undefined),
      ]);
      timeout.abort();
      wake = undefined;
    }
    return reply;
  }

  let id = firstId;
  try {
    while (context.running()) {
      id = (id + 1) >>> 0;
      const text = `udp ${id} ${SAMPLE_TEXT[Math.floor(random() * SAMPLE_TEXT.length)]}`;
      const request = Buffer.from(text);
      const answer = await ask(id, request);
      if (answer === undefined) {
        context.failures.add(`udp: "${text}" unanswered after ${TRIES} tries`);
      } else if (!answer.equals(uppercaseWithinBytes(request))) {
        context.failures.add(`udp: "${text}" got ${JSON.stringify(answer.toString())}`);
      } else {
        context.counters.add('udp requests answered correctly');
      }
      await sleep(Math.floor(random() * 20));
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
