// TCP line load: `connections` sockets, each keeping `inFlight` lines sent and unanswered.
// Each reply is checked against the exact line it answers (replies come in order, so that
// is the oldest unanswered line), and every batch of replies read in one chunk is
// replaced by as many new lines in one write, as a pipelining client would do.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ErrorCollector } from './error-tally';
import type { LoadResult, TcpLoadJob } from './job-types';
import { LatencySamples } from './latency-histogram';
import { createRequestMaker, describeMismatch, replyRuleFor } from './request-content';
import type { ReplyRule, RequestMaker } from './request-content';
import { sleep, waitUntil, WindowClock } from './timing';

// A reply longer than this without a '\n' means the stream is not line-framed any more.
const MAX_REPLY_CHARS = 1 << 20;
const CLOSE_TIMEOUT_MS = 2_000;

/** Run-wide state every connection reads: what phase the run is in, and the tallies. */
interface LoadState {
  readonly job: TcpLoadJob;
  readonly makeRequest: RequestMaker;
  readonly replyRule: ReplyRule;
  readonly errors: ErrorCollector;
  readonly latency: LatencySamples;
  sending: boolean;
  measuring: boolean;
  closing: boolean;
  messages: number;
  bytes: number;
}

export async function runTcpLoad(job: TcpLoadJob): Promise<LoadResult> {
  const state: LoadState = {
    job,
    makeRequest: createRequestMaker(job.lineBytes - 1),
    replyRule: replyRuleFor(job.service),
    errors: new ErrorCollector(),
    latency: new LatencySamples(),
    sending: true,
    measuring: false,
    closing: false,
    messages: 0,
    bytes: 0,
  };
  const connections = await Promise.all(
    Array.from({ length: job.connections }, (_, index) => LineConnection.open(state, index)),
  );
  for (const connection of connections) connection.fillWindow();

  await sleep(job.warmupMs);
  const clock = new WindowClock(job.serverPid);
  state.measuring = true;
  await sleep(job.durationMs);
  state.measuring = false;
  state.sending = false;
  const window = clock.stop();

  const outstanding = () => connections.reduce((sum, each) => sum + each.outstanding, 0);
  await waitUntil(() => outstanding() === 0, job.drainTimeoutMs);
  for (const connection of connections) connection.reportMissingReplies();
  state.closing = true;
  await Promise.all(connections.map((connection) => connection.close()));

  return {
    kind: 'tcp-load',
    windowSeconds: window.seconds,
    messages: state.messages,
    messagesPerSecond: state.messages / window.seconds,
    bytesPerSecond: state.bytes / window.seconds,
    latencyMicros: state.latency.summary(),
    lost: 0,
    late: 0,
    generatorCpu: window.generatorCpu,
    serverCpu: window.serverCpu,
    ...state.errors.tally(),
  };
}

class LineConnection {
  /** Lines sent and not yet answered, oldest at `head`: a ring of `inFlight` slots. */
  private readonly sentLines: string[];
  private readonly sentAt: Float64Array;
  private head = 0;
  private unanswered = 0;
  private nextSequence = 0;
  private partialReply = '';
  private readonly tag: string;

  private constructor(
    private readonly socket: net.Socket,
    private readonly state: LoadState,
    private readonly index: number,
  ) {
    this.tag = `c${index}`;
    this.sentLines = new Array<string>(state.job.inFlight);
    this.sentAt = new Float64Array(state.job.inFlight);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      state.errors.add(`connection ${index}: ${error.code ?? error.message}`),
    );
    socket.on('close', () => {
      if (!state.closing) state.errors.add(`connection ${index} closed by the server`);
    });
  }

  static open(state: LoadState, index: number): Promise<LineConnection> {
    const { host, port } = state.job;
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port, noDelay: true });
      const onError = (error: Error) =>
        reject(new Error(`connection ${index} to ${host}:${port} failed: ${error.message}`));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new LineConnection(socket, state, index));
      });
    });
  }

  get outstanding(): number {
    return this.unanswered;
  }

  fillWindow(): void {
    this.send(this.state.job.inFlight - this.unanswered);
  }

  reportMissingReplies(): void {
    if (this.unanswered > 0) {
      this.state.errors.add(
        `connection ${this.index}: ${this.unanswered} replies never came`,
        this.unanswered,
      );
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      const timer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  private send(count: number): void {
    if (count <= 0 || this.socket.destroyed) return;
    const { makeRequest, job } = this.state;
    const now = performance.now();
    let batch = '';
    for (let i = 0; i < count; i++) {
      const line = makeRequest(this.tag, this.nextSequence++);
      const slot = (this.head + this.unanswered) % job.inFlight;
      this.sentLines[slot] = line;
      this.sentAt[slot] = now;
      this.unanswered++;
      batch += line + '\n';
    }
    this.socket.write(batch);
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    const state = this.state;
    // latin1 maps bytes to characters one to one, so a chunk boundary never splits a
    // character; the expected replies are ASCII, so equality is still byte equality.
    const text = this.partialReply + chunk.toString('latin1');
    let start = 0;
    let answered = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      this.onReply(text.slice(start, lineEnd), now);
      answered++;
      start = end + 1;
    }
    this.partialReply = start === text.length ? '' : text.slice(start);
    if (this.partialReply.length > MAX_REPLY_CHARS) {
      state.errors.add(`connection ${this.index}: a reply over ${MAX_REPLY_CHARS} bytes`);
      this.socket.destroy();
      return;
    }
    if (state.sending) this.send(answered);
  }

  private onReply(reply: string, now: number): void {
    const state = this.state;
    if (this.unanswered === 0) {
      state.errors.add(`connection ${this.index}: a reply to nothing: ${JSON.stringify(reply)}`);
      return;
    }
    const request = this.sentLines[this.head];
    const expected = state.replyRule(request);
    if (reply !== expected) {
      state.errors.add(`connection ${this.index}: ${describeMismatch(expected, reply)}`);
    } else if (state.measuring) {
      state.messages++;
      state.bytes += request.length + 1;
      state.latency.record((now - this.sentAt[this.head]) * 1000);
    }
    this.head = (this.head + 1) % state.job.inFlight;
    this.unanswered--;
  }
}
