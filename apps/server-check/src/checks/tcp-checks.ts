import { CheckFailure, showBytes } from '../check-failure';
import { describeRead } from '../tcp-probe';
import type { Check, CheckContext } from './check';

const TCP = ['task', 'uppercase'] as const;

/** The reply the exercise's protocol gives `text` on this service. */
export function expectedReply(context: CheckContext, text: string): string {
  return context.service === 'task'
    ? `Your data was ${Buffer.byteLength(text, 'utf8')} bytes`
    : text.toUpperCase();
}

/** Sends `text` as one line on `probe` and fails unless its reply is the expected one. */
async function exchange(
  context: CheckContext,
  probe: Awaited<ReturnType<CheckContext['tcp']>>,
  text: string,
): Promise<void> {
  const sent = showBytes(`${text}\n`);
  await probe.write(`${text}\n`);
  await probe.expectLine(sent, expectedReply(context, text), context.timeoutMs);
}

/** Fails unless a new client is still served: the server is up and takes connections. */
async function stillServes(context: CheckContext, after: string): Promise<void> {
  const probe = await context.tcp(`"Hi\\n" on a new connection ${after}`);
  const result = await (async () => {
    await probe.write('Hi\n');
    return probe.read(context.timeoutMs);
  })();
  const expected = expectedReply(context, 'Hi');
  if (result.kind !== 'line' || result.text !== expected) {
    throw new CheckFailure(
      `"Hi\\n" on a new connection ${after}`,
      JSON.stringify(expected),
      describeRead(result, context.timeoutMs),
    );
  }
}

/**
 * The TCP checks, in the order they run: the lecture's own exchange first, then the
 * conditions that break textbook code. Invalid UTF-8 kills a server that decodes strictly,
 * so it comes last: a server that dies there fails that check, not the ones after it.
 * Only the transcript sends a line with a space in it, and only History looks at History.
 */
export const TCP_CHECKS: readonly Check[] = [
  {
    id: 'transcript',
    title: "the lecture's transcript, a line and its reply at a time",
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const lines =
        context.service === 'task' ? ['Hi', 'Testing Connection'] : ['hello', 'Testing Connection'];
      for (const line of lines) await exchange(context, probe, line);
    },
  },
  {
    id: 'history',
    title: "History lists this connection's messages, oldest first, in one reply",
    services: ['task'],
    async run(context) {
      const probe = await context.tcp();
      await exchange(context, probe, 'Hi');
      await exchange(context, probe, 'Hello');
      await probe.write('History\n');
      const result = await probe.read(context.timeoutMs);
      const text = result.kind === 'line' ? result.text : '';
      // After the word History itself, which starts with Hi.
      const first = text.indexOf('Hi', 'History'.length);
      const ok =
        text.startsWith('History') && first !== -1 && text.indexOf('Hello', first + 2) !== -1;
      if (!ok) {
        throw new CheckFailure(
          '"Hi\\n", "Hello\\n", then "History\\n"',
          'one reply starting "History" that names Hi, then Hello',
          describeRead(result, context.timeoutMs),
        );
      }
    },
  },
  {
    id: 'exit',
    title: 'Exit gets Disconnect, then the server closes; nothing after it is answered',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      await exchange(context, probe, 'Hi');
      await probe.write('Exit\n');
      await probe.expectLine('"Exit\\n"', 'Disconnect', context.timeoutMs);
      await probe.write('not answered\n');
      const after = await probe.read(context.timeoutMs);
      if (after.kind !== 'closed') {
        throw new CheckFailure(
          '"Exit\\n", then "not answered\\n"',
          '"Disconnect", then the connection closed by the server',
          `"Disconnect", then ${describeRead(after, context.timeoutMs)}`,
        );
      }
    },
  },
  {
    id: 'half-close',
    title: 'a client that half-closes after its last line still gets the reply, even without \\n',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      await exchange(context, probe, 'Hi');
      await probe.write('There');
      probe.end();
      const sent = '"Hi\\n", then "There" and the end of sending (FIN)';
      await probe.expectLine(sent, expectedReply(context, 'There'), context.timeoutMs);
      const after = await probe.read(context.timeoutMs);
      if (after.kind !== 'closed') {
        throw new CheckFailure(
          sent,
          'the connection closed once answered',
          describeRead(after, context.timeoutMs),
        );
      }
    },
  },
  {
    id: 'utf8-bytes',
    title: 'UTF-8 text: counted in bytes, not characters',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      await exchange(context, probe, context.service === 'task' ? 'héllo' : 'héllo wörld');
    },
  },
  {
    id: 'joined-lines',
    title: 'several lines in one packet get a reply each',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const lines = ['Hi', 'There'];
      const sent = showBytes(lines.map((line) => `${line}\n`).join(''));
      await probe.write(lines.map((line) => `${line}\n`).join(''));
      for (const line of lines) {
        await probe.expectLine(
          `${sent} in one write`,
          expectedReply(context, line),
          context.timeoutMs,
        );
      }
    },
  },
  {
    id: 'split-line',
    title: 'one line sent a byte at a time gets one reply',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const text = 'Connection';
      for (const byte of Buffer.from(`${text}\n`)) {
        await probe.write(Buffer.of(byte));
        // Apart in time, so each byte is a segment of its own (noDelay is on).
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const sent = `${showBytes(`${text}\n`)} a byte per write`;
      await probe.expectLine(sent, expectedReply(context, text), context.timeoutMs);
      // One reply, not one per piece: the next line's reply comes next.
      await probe.write('Hi\n');
      await probe.expectLine(
        `${sent}, then "Hi\\n"`,
        expectedReply(context, 'Hi'),
        context.timeoutMs,
      );
    },
  },
  {
    id: 'long-line',
    title: 'a 3000-byte line gets one reply',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const text = 'a'.repeat(3000);
      await exchange(context, probe, text);
      await probe.write('Hi\n');
      await probe.expectLine(
        `${showBytes(`${text}\n`)}, then "Hi\\n"`,
        expectedReply(context, 'Hi'),
        context.timeoutMs,
      );
    },
  },
  {
    id: 'very-long-line',
    title: 'a 100,000-byte line gets its reply or a one-line error, and the server serves on',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const text = 'a'.repeat(100_000);
      const sent = showBytes(`${text}\n`);
      await probe.write(`${text}\n`);
      const result = await probe.read(context.timeoutMs);
      const expected = expectedReply(context, text);
      const ok =
        result.kind === 'line' && (result.text === expected || /^error\b/i.test(result.text));
      if (!ok) {
        throw new CheckFailure(
          sent,
          `${showBytes(expected)} or a line starting "Error"`,
          describeRead(result, context.timeoutMs),
        );
      }
      // An error may close the connection; what must not happen is a second reply to the line.
      const after = await probe.read(Math.min(200, context.timeoutMs));
      if (after.kind === 'line') {
        throw new CheckFailure(
          sent,
          'one reply',
          `a second one: ${describeRead(after, context.timeoutMs)}`,
        );
      }
      await probe.close(context.timeoutMs);
      await stillServes(context, 'after the long line');
    },
  },
  {
    id: 'many-clients',
    title: 'ten clients connected at once are each answered',
    services: TCP,
    async run(context) {
      const probes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => context.tcp(`(connect: client ${i + 1} of 10)`)),
      );
      // Each sends a line of its own length, so a reply given to the wrong client shows.
      await Promise.all(
        probes.map(async (probe, i) => {
          const text = `client-${i}${'x'.repeat(i)}`;
          await probe.write(`${text}\n`);
          await probe.expectLine(
            `${showBytes(`${text}\n`)} from client ${i + 1} of 10, all connected`,
            expectedReply(context, text),
            context.timeoutMs,
          );
        }),
      );
    },
  },
  {
    id: 'slow-client',
    title: 'a client slow to finish its line does not hold up another',
    services: TCP,
    async run(context) {
      const slow = await context.tcp();
      await slow.write('Hel');
      const other = await context.tcp();
      await other.write('Hi\n');
      await other.expectLine(
        '"Hel" from one client (no end of line yet), then "Hi\\n" from another',
        expectedReply(context, 'Hi'),
        context.timeoutMs,
      );
      await slow.write('lo\n');
      await slow.expectLine(
        '"Hel", later "lo\\n"',
        expectedReply(context, 'Hello'),
        context.timeoutMs,
      );
    },
  },
  {
    id: 'never-reads',
    title: 'a client that sends and never reads does not hold up another',
    services: TCP,
    async run(context) {
      const greedy = await context.tcp();
      greedy.stopReading();
      // Replies far bigger than any socket buffer: each History (or uppercased line) is ~60 KB.
      const long = 'a'.repeat(60_000);
      greedy.writeAndForget(`${long}\n`);
      const request = context.service === 'task' ? 'History\n' : `${long}\n`;
      for (let i = 0; i < (context.service === 'task' ? 400 : 100); i += 1)
        greedy.writeAndForget(request);
      // Time for the server to be stuck, if it can be.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const other = await context.tcp('"Hi\\n" from another client (connect)');
      await other.write('Hi\n');
      await other.expectLine(
        `${context.service === 'task' ? '"History\\n" × 400' : 'a 60,000-byte line × 100'} from a client that never reads, then "Hi\\n" from another`,
        expectedReply(context, 'Hi'),
        context.timeoutMs,
      );
    },
  },
  {
    id: 'invalid-utf8',
    title: 'a line that is not UTF-8 leaves the server up',
    services: TCP,
    async run(context) {
      const probe = await context.tcp();
      const bad = Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xff, 0x0a]);
      await probe.write(bad);
      // Any one reply (or an error and a close) will do: the server must survive it.
      await probe.read(context.timeoutMs);
      await probe.close(context.timeoutMs);
      await stillServes(context, `after ${showBytes(bad)}`);
    },
  },
];
