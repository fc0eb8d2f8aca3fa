import type { Counter, Gauge, Registry } from 'prom-client';
import { promClient } from './prom-client';
import { Tally, TallyHistogram } from './tallies';

/** Every netlab metric's name starts so, prom-client's process metrics included. */
export const METRIC_PREFIX = 'netlab_';

// Handlers take microseconds (uppercase) to seconds (a slow asynchronous service).
const HANDLER_SECONDS_BUCKETS = [
  0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5,
];

/**
 * What a netlab server counts, in prom-client's global registry (the one prom-client's
 * cluster aggregation reads in each worker). The transports' events reach these through
 * node:diagnostics_channel: each server app subscribes to its transport's channels and
 * updates the metrics here (apps/<server>/src/*-metrics.ts). Names and meanings are in the
 * README's Operations section.
 */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Per message: plain tallies read at each scrape (see tallies.ts). */
  readonly messagesReceived: Tally;
  readonly repliesSent: Tally;
  /** Added to per datagram (UDP), or given sources read at each scrape (TCP's sockets). */
  readonly receivedBytes: Tally;
  readonly sentBytes: Tally;
  readonly handlerDuration: TallyHistogram;
  readonly logLinesDropped: Tally;
}

/** What only a TCP server counts. */
export interface TcpServerMetrics extends ServerMetrics {
  readonly connectionsOpen: Gauge;
  readonly connectionsAccepted: Counter;
  readonly connectionsClosed: Counter<'reason'>;
  readonly limitBreaches: Counter<'kind'>;
}

/** What only a UDP server counts. */
export interface UdpServerMetrics extends ServerMetrics {
  readonly datagrams: Tally;
}

let created: ServerMetrics | undefined;
let tcp: TcpServerMetrics | undefined;
let udp: UdpServerMetrics | undefined;

/**
 * The metrics of this process, made (and prom-client's default process metrics started)
 * on the first call: a process has one registry, and a metric name can be registered once.
 */
export function serverMetrics(): ServerMetrics {
  if (created) return created;
  const { collectDefaultMetrics, register } = promClient();
  collectDefaultMetrics({ prefix: METRIC_PREFIX });
  // Gauges named like counters, which `promtool check metrics` rejects; the same counts by
  // type stay (netlab_nodejs_active_handles{type=...}, ...).
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    register.removeSingleMetric(`${METRIC_PREFIX}nodejs_${name}`);
  }
  created = {
    registry: register,
    messagesReceived: new Tally({
      name: `${METRIC_PREFIX}messages_received_total`,
      help: 'Messages received: TCP frames (lines) read, UDP datagrams received (before any check).',
    }),
    repliesSent: new Tally({
      name: `${METRIC_PREFIX}replies_sent_total`,
      help: 'Replies written to clients: TCP replies to frames (a line-too-long notice included), UDP answered datagrams.',
    }),
    receivedBytes: new Tally({
      name: `${METRIC_PREFIX}received_bytes_total`,
      help: 'Bytes read from clients (TCP: the stream; UDP: datagrams).',
    }),
    sentBytes: new Tally({
      name: `${METRIC_PREFIX}sent_bytes_total`,
      help: 'Bytes written to clients (TCP: the stream; UDP: reply datagrams).',
    }),
    handlerDuration: new TallyHistogram({
      name: `${METRIC_PREFIX}handler_duration_seconds`,
      help: 'Time the service took to answer one message (an asynchronous one: until it settled; lines answered together in one pass: each at the pass mean).',
      buckets: HANDLER_SECONDS_BUCKETS,
    }),
    logLinesDropped: new Tally({
      name: `${METRIC_PREFIX}log_lines_dropped_total`,
      help: 'Log lines dropped because stdout was not read fast enough.',
    }),
  };
  return created;
}

/** The common metrics and a TCP server's own (made once). */
export function tcpServerMetrics(): TcpServerMetrics {
  if (tcp) return tcp;
  const { Counter, Gauge } = promClient();
  tcp = {
    ...serverMetrics(),
    connectionsOpen: new Gauge({
      name: `${METRIC_PREFIX}connections_open`,
      help: 'TCP connections open now.',
    }),
    connectionsAccepted: new Counter({
      name: `${METRIC_PREFIX}connections_accepted_total`,
      help: 'TCP connections accepted (those refused as server busy too).',
    }),
    connectionsClosed: new Counter({
      name: `${METRIC_PREFIX}connections_closed_total`,
      help: 'TCP connections closed, by reason (the reason of the Connection closed log line).',
      labelNames: ['reason'],
    }),
    limitBreaches: new Counter({
      name: `${METRIC_PREFIX}limit_breaches_total`,
      help: 'Connections closed for breaking a limit, by kind (max-connections, max-line-bytes, idle-timeout, line-deadline, stuck-writer, slow-reader).',
      labelNames: ['kind'],
    }),
  };
  return tcp;
}

/** The common metrics and a UDP server's own (made once). */
export function udpServerMetrics(): UdpServerMetrics {
  udp ??= {
    ...serverMetrics(),
    datagrams: new Tally({
      name: `${METRIC_PREFIX}udp_datagrams_total`,
      help: 'UDP datagrams received, by outcome (answered, rate_limited, malformed, in_flight_cap, too_large, handler_failed, no_reply).',
      labelName: 'outcome',
    }),
  };
  return udp;
}
