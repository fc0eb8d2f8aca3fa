// UDP datagram load: `sockets` sockets, each keeping `inFlight` datagrams unanswered.
// Replies are matched by content (each request carries its sequence number, see
// request-content.ts), so plain servers work and nothing depends on a wire envelope. A
// datagram unanswered after `lossTimeoutMs` is counted lost and replaced by a new one,
// so a loss costs the window one slot for a moment, not for good.

import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ErrorCollector } from './error-tally';
import type { LoadResult, UdpLoadJob } from './job-types';
import { LatencySamples } from './latency-histogram';
import { createRequestMaker, describeMismatch, parseSequence } from './request-content';
import type { RequestMaker } from './request-content';
import { sleep, waitUntil, WindowClock } from './timing';

const PHASE_WARMUP = 'warmup';
const PHASE_WINDOW = 'window';
const PHASE_DRAIN = 'drain';
type Phase = typeof PHASE_WARMUP | typeof PHASE_WINDOW | typeof PHASE_DRAIN;

interface LoadState {
  readonly job: UdpLoadJob;
  readonly makeRequest: RequestMaker;
  readonly errors: ErrorCollector;
  readonly latency: LatencySamples;
  phase: Phase;
  messages: number;
  bytes: number;
  lost: number;
  late: number;
}

export async function runUdpLoad(job: UdpLoadJob): Promise<LoadResult> {
  const state: LoadState = {
    job,
    makeRequest: createRequestMaker(job.datagramBytes),
    errors: new ErrorCollector(),
    latency: new LatencySamples(),
    phase: PHASE_WARMUP,
    messages: 0,
    bytes: 0,
    lost: 0,
    late: 0,
  };
  const sockets = await Promise.all(
    Array.from({ length: job.sockets }, (_, index) => DatagramSocket.open(state, index)),
  );
  const sweeper = setInterval(
    () => {
      const now = performance.now();
      for (const socket of sockets) socket.expireLost(now);
    },
    Math.max(1, job.lossTimeoutMs / 4),
  );
  try {
    for (const socket of sockets) socket.fillWindow();
    await sleep(job.warmupMs);
    const clock = new WindowClock(job.serverPid);
    state.phase = PHASE_WINDOW;
    await sleep(job.durationMs);
    state.phase = PHASE_DRAIN;
    const window = clock.stop();
    // Every datagram still out is either answered or expired within one loss timeout.
    await waitUntil(
      () => sockets.every((socket) => socket.outstanding === 0),
      job.lossTimeoutMs * 2,
    );
    return {
      kind: 'udp-load',
      windowSeconds: window.seconds,
      messages: state.messages,
      messagesPerSecond: state.messages / window.seconds,
      bytesPerSecond: state.bytes / window.seconds,
      latencyMicros: state.latency.summary(),
      lost: state.lost,
      late: state.late,
      generatorCpu: window.generatorCpu,
      serverCpu: window.serverCpu,
      ...state.errors.tally(),
    };
  } finally {
    clearInterval(sweeper);
    await Promise.all(sockets.map((socket) => socket.close()));
  }
}

class DatagramSocket {
  /** Sequence number -> when it was sent, for the datagrams not yet answered. */
  private readonly unanswered = new Map<number, number>();
  private nextSequence = 0;
  private readonly tag: string;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly state: LoadState,
    private readonly index: number,
  ) {
    this.tag = `s${index}`;
    socket.on('message', (message: Buffer) => this.onMessage(message));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      state.errors.add(`socket ${index}: ${error.code ?? error.message}`),
    );
  }

  static open(state: LoadState, index: number): Promise<DatagramSocket> {
    const { host, port } = state.job;
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', reject);
      // A connected socket sends without an address lookup and hears only the server.
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new DatagramSocket(socket, state, index));
      });
    });
  }

  get outstanding(): number {
    return this.unanswered.size;
  }

  fillWindow(): void {
    const now = performance.now();
    for (let i = this.unanswered.size; i < this.state.job.inFlight; i++) this.send(now);
  }

  expireLost(now: number): void {
    for (const [sequence, sentAt] of this.unanswered) {
      if (now - sentAt < this.state.job.lossTimeoutMs) continue;
      this.unanswered.delete(sequence);
      if (this.state.phase !== PHASE_WARMUP) this.state.lost++;
      this.replace(now);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private send(now: number): void {
    const sequence = this.nextSequence++;
    this.unanswered.set(sequence, now);
    this.socket.send(this.state.makeRequest(this.tag, sequence));
  }

  private replace(now: number): void {
    if (this.state.phase !== PHASE_DRAIN) this.send(now);
  }

  private onMessage(message: Buffer): void {
    const now = performance.now();
    const state = this.state;
    const reply = message.toString('latin1');
    const sequence = parseSequence(reply);
    if (sequence === undefined || sequence >= this.nextSequence) {
      state.errors.add(`socket ${this.index}: a reply to nothing sent: ${JSON.stringify(reply)}`);
      return;
    }
    const expected = state.makeRequest(this.tag, sequence).toUpperCase();
    const sentAt = this.unanswered.get(sequence);
    if (reply !== expected) {
      state.errors.add(`socket ${this.index}: ${describeMismatch(expected, reply)}`);
    } else if (sentAt === undefined) {
      // Answered already, or counted lost before this reply came: UDP may do either.
      if (state.phase !== PHASE_WARMUP) state.late++;
      return;
    } else if (state.phase === PHASE_WINDOW) {
      state.messages++;
      state.bytes += message.length;
      state.latency.record((now - sentAt) * 1000);
    }
    if (sentAt !== undefined) {
      this.unanswered.delete(sequence);
      this.replace(now);
    }
  }
}
