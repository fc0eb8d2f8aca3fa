// The jobs the runner gives its load generators and the results they give back: the TCP
// and UDP loads go to the native generator (native/load-generator.c, as arguments; its
// result as JSON on stdout), idle connections to a forked Node process (over IPC).

export type ServiceName = 'uppercase' | 'task';

interface JobTiming {
  /** Traffic before the window opens: connections settle, JIT warms up, nothing is recorded. */
  warmupMs: number;
  /** The measurement window. */
  durationMs: number;
}

interface JobTarget {
  host: string;
  port: number;
  /** The server's pid, so the generator can read its CPU time and RSS from /proc. */
  serverPid: number;
}

export interface TcpLoadJob extends JobTarget, JobTiming {
  kind: 'tcp-load';
  service: ServiceName;
  connections: number;
  /** Lines each connection keeps sent but unanswered. */
  inFlight: number;
  /** Bytes of one request on the wire, its '\n' included. */
  lineBytes: number;
  /**
   * `tcp`: plaintext. `tls`: the same over TLS (the generator does not verify the
   * certificate; every handshake is a full one). `tls-handshakes`: each connection is
   * opened, shakes hands, sends one line (inFlight 1), checks its reply and closes, again
   * and again: a message is a whole new connection.
   */
  transport?: 'tcp' | 'tls' | 'tls-handshakes';
  /**
   * After each pass over the sockets that were ready, the generator sleeps this long so that
   * replies gather and each read and write carries many (0: never; where latency is measured).
   */
  pauseMicros: number;
  /** After the window, how long to wait for the replies still owed before calling them missing. */
  drainTimeoutMs: number;
}

export interface UdpLoadJob extends JobTarget, JobTiming {
  kind: 'udp-load';
  sockets: number;
  /** Datagrams each socket keeps sent but unanswered. */
  inFlight: number;
  datagramBytes: number;
  /**
   * After each pass over the sockets that were ready, the generator sleeps this long so that
   * replies gather and each read and write carries many (0: never; where latency is measured).
   */
  pauseMicros: number;
  /** A datagram unanswered this long is counted lost and replaced, so the window never stalls. */
  lossTimeoutMs: number;
}

export interface IdleConnectionsJob extends JobTarget {
  kind: 'idle-connections';
  service: ServiceName;
  connections: number;
  /** Connection attempts in progress at once; more would overflow the listen backlog. */
  connectConcurrency: number;
  /** Quiet time after the last connection before the server's RSS is read. */
  settleMs: number;
}

export interface ErrorTally {
  /** Wrong replies, connections closed or failed under the generator, replies never received. */
  errors: number;
  /** The first few errors, described. */
  errorSamples: string[];
}

export interface CpuShare {
  /** The generator's CPU time over the window divided by the window: 1 is one whole core. */
  generatorCpu: number;
  /** The same for the server process, when /proc could be read. */
  serverCpu?: number;
}

export interface LoadResult extends ErrorTally, CpuShare {
  kind: 'tcp-load' | 'udp-load';
  windowSeconds: number;
  /** Verified replies received inside the window. */
  messages: number;
  messagesPerSecond: number;
  /** Request bytes answered per second (payload plus '\n' for TCP). */
  bytesPerSecond: number;
  latencyMicros: { samples: number; p50: number; p99: number; p999: number; max: number };
  /** UDP: datagrams unanswered within the loss timeout, inside the window. */
  lost: number;
  /** UDP: replies that came after their datagram was counted lost, or a second time. */
  late: number;
}

export interface IdleConnectionsResult extends ErrorTally {
  kind: 'idle-connections';
  connections: number;
  connectSeconds: number;
  serverRssBeforeBytes?: number;
  serverRssBytes?: number;
}

export type GeneratorMessage =
  { type: 'result'; result: IdleConnectionsResult } | { type: 'failure'; message: string };
