import { flag } from '@netlab/cli';
import { DEFAULT_UDP_GRACE_MS, DEFAULT_UDP_MAX_IN_FLIGHT } from '@netlab/udp-transport';

export const SUMMARY =
  'The UDP uppercase service: every datagram is answered, to its sender, with its text uppercased\n' +
  '(never more bytes than it received). Logs go to stdout: human lines at a terminal,\n' +
  'JSON lines when piped (--log-format chooses).';

export const FOOTER = 'Exit status: 0 after a clean stop, 1 if it cannot bind, 2 for a bad flag.';

export const UDP_SERVER_FLAGS = {
  host: flag.host('0.0.0.0', 'address or host name to bind; :: for IPv6'),
  port: flag.alsoFrom(flag.port(12000, 'port to bind, 0 lets the OS pick one'), 'PORT'),
  service: flag.choice(['uppercase'] as const, 'uppercase', 'service to run'),
  rateLimit: flag.integer(
    0,
    1_000_000,
    0,
    'datagrams per second from one source address, 0 for no limit',
  ),
  maxInFlight: flag.integer(
    1,
    1_000_000,
    DEFAULT_UDP_MAX_IN_FLIGHT,
    'datagrams an asynchronous service may be working on at once; past it a datagram is dropped',
  ),
  workers: flag.workers(),
  metricsPort: flag.metricsPort(),
  metricsHost: flag.metricsHost(),
  reusePort: flag.reusePort(),
  grace: flag.integer(0, 600_000, DEFAULT_UDP_GRACE_MS, 'ms a graceful stop may take', 'MS'),
  logLevel: flag.logLevel(),
  logFormat: flag.logFormat(),
  dump: flag.switch("log every datagram's text and hex (at debug level, which --dump turns on)"),
  pcap: flag.pcap(),
  pcapMaxBytes: flag.pcapMaxBytes(),
};
