import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskSession, type Session } from '@netlab/protocol';
import type { Counters, Failures } from './counters';
import { LineSocket, ReadFailed } from '@netlab-tools/app-harness';
import { patiently, type LoopLateness } from './loop-lateness';
import type { TcpBehaviour } from './options';

/** The soak's tcp-server flags: shorter than the defaults, so each fault is met many times. */
export const TCP_SERVER_ARGS = ['--stuck-writer-timeout', '3000', '--line-deadline', '5000'];
const STUCK_WRITER_MS = 3000;
/**
 * How long a non-reading client waits for the server to cut it. The server's timer starts
 * only once the kernel's buffers between them are full (tens of MB on loopback), and filling
 * them is the server's work, a reply at a time: 12 s for 15 such clients on an otherwise idle
 * server here, and more than 30 s with 100 pipelining clients beside them.
 */
const STUCK_VERDICT_BUDGET_MS = 120_000;
/** How often a non-reading client writes a byte to learn whether it has been cut. */
const PROBE_EVERY_MS = 500;
const LINE_DEADLINE_MS = 5000;

/**
 * Longest wait for one reply: far past any honest delay, even on a loaded machine. Time in
 * which the soak's own loop was late does not count (see `patiently`).
 */
const REPLY_TIMEOUT_MS = 30_000;

/** The fault proxies in front of tcp-server, by the fault each injects. */
export interface TcpProxyPorts {
  /** Every write cut into 3-byte pieces upstream, 7-byte pieces downstream. */
  split: number;
  /** Writes held 5 ms and joined, both ways. */
  join: number;
  /** Every chunk delayed 2 ms, both ways. */
  delay: number;
  /** The connection reset after 4,096 bytes of replies. */
  reset: number;
}
export const PROXY_FAULTS = {
  split: { upstream: { splitBytes: 3 }, downstream: { splitBytes: 7 } },
  join: { upstream: { joinMs: 5 }, downstream: { joinMs: 5 } },
  delay: { upstream: { delayMs: 2 }, downstream: { delayMs: 2 } },
  reset: { resetAfterBytes: 4096 },
} as const;

export interface TcpClientContext {
  readonly serverPort: number;
  readonly proxies: TcpProxyPorts;
  /** True until the soak's duration is over: a client starts no new work after it. */
  running(): boolean;
  readonly counters: Counters;
  readonly failures: Failures;
  /** This thread's event-loop lateness: waits add it back, so it is not blamed on the server. */
  readonly lateness: LoopLateness;
}

type Random = () => number;

/** True if `promise` settles within `ms` of time in which the soak kept up. */
async function within(
  context: TcpClientContext,
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  const settled = promise.then(() => true);
  const attempt = async (waitMs: number): Promise<true> => {
    const timeout = new AbortController();
    const outcome = await Promise.race([
      settled,
      sleep(waitMs, false, { signal: timeout.signal }).catch(() => false),
    ]);
    timeout.abort();
    if (!outcome) throw new NotSettled();
    return outcome;
  };
  return patiently(context.lateness, ms, attempt, (error) => error instanceof NotSettled).catch(
    () => false,
  );
}
class NotSettled extends Error {}

/** The next `count` lines, within REPLY_TIMEOUT_MS of time in which the soak kept up. */
function readReplies(
  context: TcpClientContext,
  connection: LineSocket,
  count: number,
): Promise<string[]> {
  return patiently(
    context.lateness,
    REPLY_TIMEOUT_MS,
    (ms) => connection.readLines(count, ms),
    (error) => readTimedOut(connection, error),
  );
}

/** Every line up to the server's end of stream, within `budgetMs` of time the soak kept up. */
function readRest(
  context: TcpClientContext,
  connection: LineSocket,
  budgetMs = REPLY_TIMEOUT_MS,
): Promise<string[]> {
  return patiently(
    context.lateness,
    budgetMs,
    (ms) => connection.readToEnd(ms),
    (error) => readTimedOut(connection, error),
  );
}

/** A read that gave up for time, on a stream still open (not one that ended first). */
function readTimedOut(connection: LineSocket, error: unknown): boolean {
  const { socket } = connection;
  return error instanceof ReadFailed && !socket.readableEnded && !socket.destroyed;
}

function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const SAMPLE_TEXT = ['hello', 'Testing Connection', 'héllo wörld', 'straße', '日本語', '🙂 ok', ''];

/** A message no command can match ("History", "Exit"), with some multi-byte text in it. */
function message(random: Random, n: number): string {
  return `msg ${n} ${SAMPLE_TEXT[between(random, 0, SAMPLE_TEXT.length - 1)]}`;
}

/** The proxies that lose nothing, for the clients whose every request must be answered. */
function cleanProxy(context: TcpClientContext, random: Random): { port: number; fault: string } {
  const fault = (['split', 'join', 'delay'] as const)[between(random, 0, 2)];
  context.counters.add(`tcp connections through the ${fault} proxy`);
  return { port: context.proxies[fault], fault };
}

/**
 * A request whose answer must be exactly what a task session of our own says: the soak's
 * definition of "answered correctly". Counts it either way.
 */
function expectReply(
  context: TcpClientContext,
  kind: string,
  request: string,
  reply: string,
  oracle: Session,
): void {
  const expected = oracle.handle(request).reply;
  if (reply === expected) {
    context.counters.add('tcp normal requests answered correctly');
  } else {
    context.failures.add(`${kind}: ${JSON.stringify(request)} got ${JSON.stringify(reply)}`);
  }
}

/** Runs one connection's work; a read that fails is a broken promise, not a crash. */
async function session(
  context: TcpClientContext,
  kind: string,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ReadFailed)) throw error;
    context.failures.add(`${kind}: ${error.message}`);
  }
}

/**
 * One request at a time, each answer checked, History now and then; after 50 requests
 * `Exit`: `Disconnect`, and then nothing more (each request answered exactly once).
 */
async function normal(context: TcpClientContext, random: Random): Promise<void> {
  let n = 0;
  while (context.running()) {
    const { port } = cleanProxy(context, random);
    const connection = await LineSocket.connect({ port }, { cleanup: false });
    const oracle = createTaskSession();
    await session(context, 'normal', async () => {
      for (let i = 0; i < 50 && context.running(); i++) {
        const request = i % 10 === 9 ? 'History' : message(random, n++);
        // Now and then a telnet-style "\r\n": the server drops the '\r'.
        connection.send(`${request}${random() < 0.2 ? '\r\n' : '\n'}`);
        const [reply] = await readReplies(context, connection, 1);
        expectReply(context, 'normal', request, reply, oracle);
        await sleep(between(random, 5, 25));
      }
      connection.send('Exit\n');
      const rest = await readRest(context, connection);
      if (rest.length !== 1 || rest[0] !== 'Disconnect') {
        context.failures.add(`normal: Exit got ${JSON.stringify(rest)}, not only "Disconnect"`);
      }
    });
    connection.socket.destroy();
  }
}

/**
 * Batches of 20 to 100 lines in one write, the replies checked in order; every fifth batch
 * the client half-closes and expects the stream to end right after the last reply.
 */
async function pipelining(context: TcpClientContext, random: Random): Promise<void> {
  let n = 0;
  while (context.running()) {
    const { port } = cleanProxy(context, random);
    const connection = await LineSocket.connect({ port }, { cleanup: false });
    const oracle = createTaskSession();
    await session(context, 'pipelining', async () => {
      for (let batch = 0; batch < 5 && context.running(); batch++) {
        const requests = Array.from({ length: between(random, 20, 100) }, (_, i) =>
          i % 25 === 24 ? 'History' : message(random, n++),
        );
        connection.send(`${requests.join('\n')}\n`);
        const replies = await readReplies(context, connection, requests.length);
        requests.forEach((request, i) =>
          expectReply(context, 'pipelining', request, replies[i], oracle),
        );
        await sleep(between(random, 10, 50));
      }
      connection.socket.end();
      const extra = await readRest(context, connection);
      if (extra.length > 0) {
        context.failures.add(`pipelining: ${extra.length} replies nobody asked for`);
      }
    });
    connection.socket.destroy();
  }
}

/** Each line written a few bytes at a time, 5 to 20 ms apart; well within the line deadline. */
async function slow(context: TcpClientContext, random: Random): Promise<void> {
  let n = 0;
  while (context.running()) {
    const { port } = cleanProxy(context, random);
    const connection = await LineSocket.connect({ port }, { cleanup: false });
    const oracle = createTaskSession();
    await session(context, 'slow', async () => {
      for (let i = 0; i < 10 && context.running(); i++) {
        const request = message(random, n++);
        const bytes = Buffer.from(`${request}\n`);
        for (let at = 0; at < bytes.length;) {
          const size = between(random, 1, 3);
          connection.send(bytes.subarray(at, at + size));
          at += size;
          await sleep(between(random, 5, 20));
        }
        context.counters.add('tcp slow lines (a few bytes every 5-20 ms)');
        const [reply] = await readReplies(context, connection, 1);
        expectReply(context, 'slow', request, reply, oracle);
      }
      connection.socket.end();
      await readRest(context, connection);
    });
    connection.socket.destroy();
  }
}

/** Half a line and then nothing: the server's line deadline must close it, saying so. */
async function slowloris(context: TcpClientContext): Promise<void> {
  while (context.running()) {
    const connection = await LineSocket.connect({ port: context.serverPort }, { cleanup: false });
    connection.send('a line that never ends');
    context.counters.add('tcp slowloris connections (half a line, then silence)');
    await session(context, 'slowloris', async () => {
      const notice = await readRest(context, connection, LINE_DEADLINE_MS + REPLY_TIMEOUT_MS);
      const expected = `Error: line not finished within ${LINE_DEADLINE_MS} ms`;
      if (notice.length !== 1 || notice[0] !== expected) {
        context.failures.add(`slowloris: got ${JSON.stringify(notice)}, not "${expected}"`);
      }
    });
    connection.socket.destroy();
  }
}

/**
 * Owes the server 5,000 History replies of 60 kB (300 MB) and reads none: the server must
 * pause it and cut it at --stuck-writer-timeout. That is far more than the kernel's socket
 * buffers take off the server's hands (on loopback with a 32 MB tcp_rmem, all of 30 MB
 * fitted, and a server with nothing left to send has nothing to give up on). Direct, not
 * through a proxy, which would read for it. It never reads, so it cannot see the server's
 * reset by reading: it writes a byte now and then, which fails once the connection is cut.
 * (Resuming to look, after a fixed wait, judged a server still filling the buffers of a
 * busy machine as one that never cuts: from then on the client reads, and is not stuck.)
 */
async function nonReading(context: TcpClientContext): Promise<void> {
  const requests = `${'m'.repeat(60_000)}\n${'History\n'.repeat(5000)}`;
  while (context.running()) {
    const connection = await LineSocket.connect(
      { port: context.serverPort },
      { reading: false, cleanup: false },
    );
    context.counters.add('tcp non-reading connections (300 MB of replies owed, none read)');
    connection.send(requests);
    const probe = setInterval(() => connection.send('x'), PROBE_EVERY_MS);
    const cut = await within(context, connection.closed, STUCK_VERDICT_BUDGET_MS);
    clearInterval(probe);
    if (cut) {
      context.counters.add('tcp non-reading connections cut by the server');
    } else {
      context.failures.add(
        `non-reading: not cut by the stuck-writer timeout (${STUCK_WRITER_MS} ms) within ${STUCK_VERDICT_BUDGET_MS} ms`,
      );
    }
    connection.socket.destroy();
  }
}

/**
 * Builds up a History of about 20 kB, asks for it, and vanishes as its first bytes arrive:
 * by its own reset (direct), or by the proxy's after 4,096 bytes.
 */
async function resetting(context: TcpClientContext, random: Random): Promise<void> {
  const lines = `${Array.from({ length: 20 }, (_, i) => `${i} ${'r'.repeat(1000)}`).join('\n')}\n`;
  while (context.running()) {
    const throughProxy = random() < 0.5;
    const connection = await LineSocket.connect(
      { port: throughProxy ? context.proxies.reset : context.serverPort },
      { cleanup: false },
    );
    connection.send(lines);
    connection.send('History\nHistory\n');
    if (throughProxy) {
      if (await within(context, connection.closed, REPLY_TIMEOUT_MS)) {
        context.counters.add('tcp resets by the proxy mid-reply (after 4,096 bytes)');
      } else {
        context.failures.add('resetting: no History reply to be reset within the time limit');
      }
    } else {
      const replying = new Promise<void>((resolve) =>
        connection.socket.once('data', () => resolve()),
      );
      if (await within(context, replying, REPLY_TIMEOUT_MS)) {
        connection.socket.resetAndDestroy();
        context.counters.add('tcp resets by the client mid-reply');
      } else {
        context.failures.add('resetting: no reply to reset within the time limit');
      }
    }
    connection.socket.destroy();
    await connection.closed;
    await sleep(between(random, 50, 200));
  }
}

/** Runs one client of the behaviour until the soak's duration is over. */
export function runTcpClient(
  behaviour: TcpBehaviour,
  context: TcpClientContext,
  random: Random,
): Promise<void> {
  switch (behaviour) {
    case 'normal':
      return normal(context, random);
    case 'pipelining':
      return pipelining(context, random);
    case 'slow':
      return slow(context, random);
    case 'slowloris':
      return slowloris(context);
    case 'non-reading':
      return nonReading(context);
    case 'resetting':
      return resetting(context, random);
  }
}
