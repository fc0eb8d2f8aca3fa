import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEnvelope, encodeEnvelope, isEnveloped } from '@netlab/protocol';
import { formatEndpoint, resolveHost, UdpConnectError, type Logger } from '@netlab/udp-transport';
import {
  formatReply,
  formatSummary,
  formatTimeout,
  PingLedger,
  type PingSummary,
} from './ping-ledger';

export interface PingOptions {
  host: string;
  port: number;
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /**
   * Plain datagrams, as a textbook client sends them, for servers that do not know the
   * envelope: a reply then carries no request id, so it is taken to answer the oldest ping
   * still waiting.
   */
  plain: boolean;
  logger: Logger;
  /** Each line for the screen (without its '\n'). */
  print(line: string): void;
  /** Ends the pinging early (Ctrl+C), as ping(8) does: the summary still follows. */
  signal?: AbortSignal;
  /** Sees every datagram sent and received (for --pcap and --dump). */
  onDatagram?(direction: 'in' | 'out', datagram: Buffer, local: Endpoint, remote: Endpoint): void;
}

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * `udp-client --ping N`: N numbered pings, one every `intervalMs`, each waiting `timeoutMs`
 * for its reply, a line for each outcome, then ping(8)'s summary. Each ping carries a request
 * id (the envelope), so a late or duplicated reply is named as such and never counted as
 * another ping's reply. Rejects with UdpConnectError when the host cannot be resolved.
 */
export async function runPings(options: PingOptions): Promise<PingSummary> {
  const { count, intervalMs, timeoutMs, plain, logger, print, signal } = options;
  let resolved;
  try {
    resolved = await resolveHost(options.host);
  } catch (error) {
    throw new UdpConnectError({ host: options.host, port: options.port }, { cause: error });
  }
  const remote = { address: resolved.address, port: options.port };
  const target = formatEndpoint({ host: resolved.address, port: options.port });
  const socket = createSocket(resolved.family === 6 ? 'udp6' : 'udp4');
  const ledger = new PingLedger();
  // A fresh random id range per run: replies to an earlier run's pings are not this run's.
  const firstId = Math.floor(Math.random() * 2 ** 32);
  const timers = new Set<NodeJS.Timeout>();
  let settled: (() => void) | undefined;

  await connectSocket(socket, remote, options);
  const local = socket.address();

  print(
    `PING ${target}: ${count} ${count === 1 ? 'ping' : 'pings'}, every ${intervalMs} ms, ` +
      `each waiting ${timeoutMs} ms for its reply`,
  );
  if (plain) {
    print(
      'Plain datagrams (--plain): no request id, so a late reply cannot be told apart ' +
        'from the reply to a later ping; each reply is taken for the oldest ping waiting.',
    );
  }

  socket.on('message', (datagram) => {
    const at = performance.now();
    options.onDatagram?.('in', datagram, local, remote);
    const seq = plain ? ledger.oldestWaiting() : seqOf(datagram);
    if (seq === undefined) {
      if (plain) {
        print(`Reply from ${target} while no ping waits: late or duplicate (no id to tell which)`);
      } else {
        logger.debug({ bytes: datagram.length }, 'Discarded datagram that answers no ping');
      }
      return;
    }
    // A reply past the timeout is late even if its timer has not run yet (both were due in
    // the same turn of the event loop).
    const sentAt = ledger.sentAt(seq);
    if (sentAt !== undefined && at - sentAt > timeoutMs && ledger.timedOut(seq)) {
      print(formatTimeout(seq));
    }
    const outcome = ledger.replied(seq, at);
    if (!outcome) {
      logger.debug({ bytes: datagram.length }, 'Discarded datagram that answers no ping');
      return;
    }
    print(formatReply(outcome, target, timeoutMs));
    if (ledger.waiting === 0) settled?.();
  });
  // ICMP port unreachable on a connected socket: nobody answers; the ping simply times out.
  socket.on('error', (error) => logger.debug({ err: error }, 'No one answered'));

  function seqOf(datagram: Buffer): number | undefined {
    if (!isEnveloped(datagram)) return undefined;
    try {
      const seq = ((decodeEnvelope(datagram).id - firstId) >>> 0) + 1;
      return seq <= count ? seq : undefined;
    } catch {
      return undefined;
    }
  }

  function send(seq: number): void {
    const text = Buffer.from(`Ping ${seq} ${Date.now()}`, 'utf8');
    const datagram = plain ? text : encodeEnvelope((firstId + seq - 1) >>> 0, text);
    ledger.sent(seq, performance.now());
    options.onDatagram?.('out', datagram, local, remote);
    socket.send(datagram, (error) => {
      if (error) logger.debug({ err: error, seq }, 'Send failed');
    });
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (ledger.timedOut(seq)) print(formatTimeout(seq));
      if (ledger.waiting === 0) settled?.();
    }, timeoutMs);
    timers.add(timer);
  }

  try {
    for (let seq = 1; seq <= count && !signal?.aborted; seq += 1) {
      send(seq);
      if (seq < count) await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
    // The last pings' waits: until each is answered or timed out, or Ctrl+C.
    if (ledger.waiting > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        settled = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  const summary = ledger.summary();
  print('');
  for (const line of formatSummary(summary, target)) print(line);
  if (summary.received === 0 && summary.late === 0 && !plain) {
    // The likeliest cause after "nothing listens": a server that knows no request ids.
    print(
      'No reply at all: if the server answers only plain datagrams (a textbook one), try --plain.',
    );
  }
  return summary;
}

function connectSocket(socket: Socket, remote: Endpoint, options: PingOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(new UdpConnectError({ host: options.host, port: options.port }, { cause: error }));
    });
    socket.connect(remote.port, remote.address, () => {
      socket.removeAllListeners('error');
      resolve();
    });
  });
}
