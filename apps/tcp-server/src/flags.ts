import { flag } from '@netlab/cli';
import { DEFAULT_HISTORY_MAX_BYTES, DEFAULT_MAX_LINE_BYTES } from '@netlab/protocol';
import { DEFAULT_GRACE_MS, DEFAULT_LIMITS } from '@netlab/tcp-transport';
import { TCP_SERVICE_NAMES } from './services';

export const SUMMARY =
  'The TCP services of the lecture. task (the default) answers each line with\n' +
  '"Your data was N bytes", History with the messages of this connection, Exit with\n' +
  '"Disconnect"; uppercase answers each line uppercased; chat relays each line to every\n' +
  'other client as "<address:port>: <line>" and answers only Exit (tcp-client --chat, nc).\n' +
  'Every connection has its own session; a client that breaks a limit gets a one-line\n' +
  'error and is closed while the others are served on. Logs go to stdout: human lines at a terminal,\n' +
  'JSON lines when piped (--log-format chooses).';

export const FOOTER =
  'Exit status: 0 after a clean stop (SIGINT or SIGTERM; a second one stops at once),\n' +
  '1 if it cannot listen, 2 for a bad flag or an unusable TLS file. With TLS, SIGHUP\n' +
  'reloads the certificate and key without dropping a connection.';

// setTimeout clamps anything longer to 1 ms: a "long" timeout would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

export const TCP_SERVER_FLAGS = {
  host: flag.host('0.0.0.0', 'address or host name to bind; :: for IPv6'),
  port: flag.alsoFrom(flag.port(1060, 'port to bind, 0 lets the OS pick one'), 'PORT'),
  path: flag.optionalText(
    'listen on this Unix domain socket instead of --host and --port',
    'a file system path',
    'PATH',
  ),
  service: flag.choice(TCP_SERVICE_NAMES, 'task', 'service to run'),
  maxLineBytes: flag.integer(
    1,
    2 ** 30,
    DEFAULT_MAX_LINE_BYTES,
    'longest line accepted, in bytes',
    'BYTES',
  ),
  maxHistoryBytes: flag.integer(
    0,
    2 ** 30,
    DEFAULT_HISTORY_MAX_BYTES,
    'bytes of messages History keeps per connection (task; the newest always)',
    'BYTES',
  ),
  maxConnections: flag.integer(
    1,
    1_000_000,
    DEFAULT_LIMITS.maxConnections,
    'connections served at once; one more is told "server busy"',
  ),
  idleTimeout: flag.integer(
    1,
    MAX_TIMER_MS,
    DEFAULT_LIMITS.idleTimeoutMs,
    'ms a connection may stay silent',
    'MS',
  ),
  lineDeadline: flag.integer(
    1,
    MAX_TIMER_MS,
    DEFAULT_LIMITS.lineDeadlineMs,
    'ms a line may take to arrive, from its first byte to its newline',
    'MS',
  ),
  maxPendingWriteBytes: flag.integer(
    1,
    2 ** 30,
    DEFAULT_LIMITS.maxPendingWriteBytes,
    'reply bytes held for a client that does not read before its input is paused',
    'BYTES',
  ),
  stuckWriterTimeout: flag.integer(
    1,
    MAX_TIMER_MS,
    DEFAULT_LIMITS.stuckWriterTimeoutMs,
    'ms a client that does not read may stay paused before it is closed',
    'MS',
  ),
  maxInFlight: flag.integer(
    1,
    1_000_000,
    DEFAULT_LIMITS.maxInFlight,
    'lines of one connection its service may be working on at once; at the cap that connection is not read',
  ),
  proxyProtocol: flag.switch(
    'every connection starts with a PROXY protocol header (v1 or v2) from a load balancer: log and serve the client it names',
  ),
  tlsCert: flag.optionalText(
    'TLS on: this certificate (PEM, with any intermediates); needs --tls-key. SIGHUP reloads both',
    'a file path',
    'FILE',
  ),
  tlsKey: flag.optionalText(
    "the TLS certificate's private key (PEM, unencrypted)",
    'a file path',
    'FILE',
  ),
  tlsCa: flag.optionalText(
    'CA certificates (PEM) that client certificates must be signed by (with --tls-client-auth)',
    'a file path',
    'FILE',
  ),
  tlsClientAuth: flag.switch(
    'mutual TLS: every client must present a certificate signed by --tls-ca',
  ),
  workers: flag.workers(),
  metricsPort: flag.metricsPort(),
  metricsHost: flag.metricsHost(),
  reusePort: flag.reusePort(),
  grace: flag.integer(0, 600_000, DEFAULT_GRACE_MS, 'ms a graceful stop may take', 'MS'),
  logLevel: flag.logLevel(),
  logFormat: flag.logFormat(),
  dump: flag.switch(
    "log every line's text and hex, in and out (at debug level, which --dump turns on)",
  ),
  pcap: flag.pcap(),
  pcapMaxBytes: flag.pcapMaxBytes(),
};
