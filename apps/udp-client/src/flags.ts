import { flag } from '@netlab/cli';

export const SUMMARY =
  'Sends each line typed (or piped) to the UDP uppercase service and prints the reply.\n' +
  'A lost datagram is sent again after --timeout ms; each later wait is drawn at random\n' +
  'below a ceiling that doubles each time (full jitter, so clients that lost the same\n' +
  'server do not retry in step), never past --max-timeout ms.\n' +
  'Logs are JSON lines on stderr.\n' +
  'With --ping N it is a pinger instead: N numbered pings, --interval ms apart, each waiting\n' +
  '--timeout ms for its reply (no retries), a line per ping, then the loss and round-trip summary.';

export const FOOTER =
  'Exit status: 0 when every line was answered, 1 when some were not or the server\n' +
  'cannot be reached, 2 for a bad flag. With --ping: 0 when any ping was answered, 1 when none.';

export const UDP_CLIENT_FLAGS = {
  host: flag.host('127.0.0.1', 'server address or host name; ::1 for IPv6'),
  port: flag.port(12000, 'server port', 1),
  timeout: flag.integer(
    1,
    600_000,
    1000,
    'first wait for a reply in ms; the ceiling of each later wait doubles from it',
    'MS',
  ),
  maxTimeout: flag.integer(
    1,
    600_000,
    30_000,
    'the longest a retry waits for a reply in ms (the first wait is --timeout)',
    'MS',
  ),
  retries: flag.integer(0, 20, 3, 're-sends after the first try'),
  ping: flag.integer(0, 1_000_000, 0, 'send N numbered pings instead of reading lines (0: off)'),
  interval: flag.integer(1, 3_600_000, 1000, 'with --ping: ms between pings', 'MS'),
  plain: flag.switch(
    'with --ping: plain datagrams, for a server without request ids (a textbook one)',
  ),
  logLevel: flag.logLevel(),
  dump: flag.switch("log every datagram's text and hex (at debug level, which --dump turns on)"),
  pcap: flag.pcap(),
  pcapMaxBytes: flag.pcapMaxBytes(),
};
