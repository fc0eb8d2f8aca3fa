import { CheckFailure, showBytes } from '../check-failure';
import type { Check, CheckContext } from './check';

/** The largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const LARGEST_DATAGRAM_BYTES = 65_507;

function describeReply(reply: Buffer | undefined, timeoutMs: number): string {
  return reply === undefined ? `no reply within ${timeoutMs} ms` : showBytes(reply);
}

/** Sends one datagram on a fresh socket and fails unless the reply is `expected`, byte for byte. */
async function exchange(context: CheckContext, request: Buffer, expected: Buffer): Promise<void> {
  const probe = await context.udp();
  await probe.send(request);
  const reply = await probe.receive(context.timeoutMs);
  if (reply?.equals(expected)) return;
  throw new CheckFailure(
    showBytes(request),
    showBytes(expected),
    describeReply(reply, context.timeoutMs),
  );
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The UDP checks (the uppercase service over datagrams, as a textbook client sends them). */
export const UDP_CHECKS: readonly Check[] = [
  {
    id: 'udp-transcript',
    title: "the lecture's exchange: a datagram, and its text uppercased back",
    services: ['udp'],
    run: (context) => exchange(context, utf8('hello'), utf8('HELLO')),
  },
  {
    id: 'udp-utf8',
    title: 'UTF-8 text uppercased, every character',
    services: ['udp'],
    run: (context) => exchange(context, utf8('héllo wörld'), utf8('HÉLLO WÖRLD')),
  },
  {
    id: 'udp-empty',
    title: 'the empty datagram gets the empty datagram back',
    services: ['udp'],
    run: (context) => exchange(context, Buffer.alloc(0), Buffer.alloc(0)),
  },
  {
    id: 'udp-many-clients',
    title: 'twenty clients at once each get their own reply',
    services: ['udp'],
    async run(context) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          exchange(context, utf8(`client ${i} of 20`), utf8(`CLIENT ${i} OF 20`)),
        ),
      );
    },
  },
  {
    id: 'udp-largest',
    title: `the largest datagram (${LARGEST_DATAGRAM_BYTES.toLocaleString('en')} bytes) is answered whole`,
    services: ['udp'],
    run: (context) =>
      exchange(
        context,
        Buffer.alloc(LARGEST_DATAGRAM_BYTES, 'a'),
        Buffer.alloc(LARGEST_DATAGRAM_BYTES, 'A'),
      ),
  },
  {
    id: 'udp-no-amplification',
    title: 'no reply is larger than its request (ΐ and ß grow when uppercased)',
    services: ['udp'],
    async run(context) {
      for (const text of ['ΐ', 'straße']) {
        const probe = await context.udp();
        const request = utf8(text);
        await probe.send(request);
        const reply = await probe.receive(context.timeoutMs);
        if (reply === undefined || reply.length > request.length) {
          throw new CheckFailure(
            `${showBytes(request)} (${request.length} bytes)`,
            `a reply of at most ${request.length} bytes`,
            reply === undefined
              ? describeReply(reply, context.timeoutMs)
              : `${showBytes(reply)} (${reply.length} bytes)`,
          );
        }
      }
    },
  },
  {
    id: 'udp-invalid-utf8',
    title: 'a datagram that is not UTF-8 leaves the server up',
    services: ['udp'],
    async run(context) {
      const bad = Buffer.from([0x68, 0x69, 0xc3, 0x28]);
      const probe = await context.udp();
      await probe.send(bad);
      // A reply is optional (at most as large as the request); the server must still answer.
      const reply = await probe.receive(Math.min(500, context.timeoutMs));
      if (reply && reply.length > bad.length) {
        throw new CheckFailure(
          showBytes(bad),
          `a reply of at most ${bad.length} bytes, or none`,
          showBytes(reply),
        );
      }
      const after = await context.udp();
      await after.send(utf8('hello world'));
      const answer = await after.receive(context.timeoutMs);
      if (!answer?.equals(utf8('HELLO WORLD'))) {
        throw new CheckFailure(
          `${showBytes(bad)}, then "hello world"`,
          '"HELLO WORLD"',
          describeReply(answer, context.timeoutMs),
        );
      }
    },
  },
];
