import { flag } from '@netlab/cli';
import { SERVICES } from './checks/check';

export const SUMMARY =
  "Checks a server, written in any language, against the exercise's protocol: the lecture's\n" +
  'transcript, UTF-8 byte counts, History and Exit, joined and split lines, many clients at\n' +
  'once, a half-closing client, long lines, invalid UTF-8, a slow client and one that never\n' +
  'reads (TCP); the empty, the largest and the growing datagram (UDP). Prints each check\n' +
  'passed, or failed with what was sent, what was expected and what came back.';

export const FOOTER =
  'Exit status: 0 when every check passed, 1 when any failed, 2 for a bad flag.';

export const SERVER_CHECK_FLAGS = {
  host: flag.host('127.0.0.1', 'the server to check'),
  port: flag.port(1060, "the server's port", 1),
  service: flag.choice(
    SERVICES,
    'task',
    'task or uppercase (TCP lines), udp (uppercase datagrams)',
  ),
  json: flag.switch('print the report as one JSON object'),
  timeout: flag.integer(
    1,
    600_000,
    2000,
    'wait for any one reply, connection or close, in ms',
    'MS',
  ),
};
