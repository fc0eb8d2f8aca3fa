import {
  createAppLogger,
  openKeyboard,
  openPcapFile,
  REPLY_PREFIX,
  runCli,
  type FlagValues,
} from '@netlab/cli';
import type { TrafficTap } from '@netlab/protocol';
import {
  createUdpClient,
  dumpDatagram,
  MAX_REQUEST_PAYLOAD_BYTES,
  UdpAbortError,
  UdpConnectError,
  UdpTimeoutError,
  UdpTransportError,
} from '@netlab/udp-transport';
import { version } from '../package.json';
import { FOOTER, SUMMARY, UDP_CLIENT_FLAGS } from './flags';
import { runPings } from './ping/ping-session';

const NAME = 'udp-client';

/** `--pcap FILE`: the tap that writes it, or undefined. */
function capture(options: FlagValues<typeof UDP_CLIENT_FLAGS>): TrafficTap | undefined {
  if (options.pcap === undefined) return undefined;
  return openPcapFile({
    path: options.pcap,
    maxBytes: options.pcapMaxBytes,
    role: 'client',
    report: (line) => process.stderr.write(`${NAME}: ${line}\n`),
  }).tap;
}

/** Sends the lines of stdin one at a time; resolves with the exit code. */
async function run(options: FlagValues<typeof UDP_CLIENT_FLAGS>): Promise<number> {
  // stdout is the user's screen; logs go to stderr.
  const log = createAppLogger({
    name: NAME,
    level: options.logLevel,
    dump: options.dump,
    stream: 'stderr',
  });
  const client = createUdpClient({
    host: options.host,
    port: options.port,
    logger: log.logger,
    dump: options.dump,
    tap: capture(options),
  });
  try {
    await client.connect();
  } catch (error) {
    if (!(error instanceof UdpConnectError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }

  const stop = new AbortController();
  // Ctrl+C at the terminal ends the session as end of input would.
  const keyboard = openKeyboard(() => stop.abort());
  keyboard.prompt();
  let unanswered = 0;
  for await (const line of keyboard.lines) {
    // UDP has no connection to close: Exit just ends the session, like end of input.
    if (line.trim().toLowerCase() === 'exit') break;
    const outcome = await send(line);
    // Ctrl+C while waiting abandons this line: it stays unanswered, and the session ends.
    if (outcome !== 'answered') unanswered += 1;
    if (outcome === 'aborted') break;
    keyboard.prompt();
  }
  keyboard.close();
  await client.close();
  return unanswered === 0 ? 0 : 1;

  async function send(line: string): Promise<'answered' | 'unanswered' | 'aborted'> {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > MAX_REQUEST_PAYLOAD_BYTES) {
      process.stderr.write(
        `${NAME}: line of ${bytes} bytes not sent: one datagram carries at most ${MAX_REQUEST_PAYLOAD_BYTES} bytes of message\n`,
      );
      return 'unanswered';
    }
    try {
      const reply = await client.request(line, {
        timeout: options.timeout,
        maxTimeout: options.maxTimeout,
        retries: options.retries,
        signal: stop.signal,
      });
      process.stdout.write(`${REPLY_PREFIX}${reply.toString('utf8')}\n`);
      return 'answered';
    } catch (error) {
      if (error instanceof UdpAbortError) return 'aborted';
      // The no-reply line goes to stdout: it is this line's outcome, in order with the replies.
      if (error instanceof UdpTimeoutError) process.stdout.write(`${error.message}\n`);
      else if (error instanceof UdpTransportError)
        process.stderr.write(`${NAME}: ${error.message}\n`);
      else throw error;
      return 'unanswered';
    }
  }
}

/** `--ping N`: the pinger; resolves with the exit code (0 when any ping was answered). */
async function ping(options: FlagValues<typeof UDP_CLIENT_FLAGS>): Promise<number> {
  const log = createAppLogger({
    name: NAME,
    level: options.logLevel,
    dump: options.dump,
    stream: 'stderr',
  });
  const tap = capture(options);
  // Ctrl+C stops the pinging and prints the summary, as ping(8) does.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  try {
    const summary = await runPings({
      host: options.host,
      port: options.port,
      count: options.ping,
      intervalMs: options.interval,
      timeoutMs: options.timeout,
      plain: options.plain,
      logger: log.logger,
      print: (line) => process.stdout.write(`${line}\n`),
      signal: interrupt.signal,
      onDatagram(direction, datagram, local, remote) {
        if (options.dump) dumpDatagram(log.logger, direction, remote, datagram);
        tap?.({ transport: 'udp', direction, local, remote, bytes: datagram });
      },
    });
    return summary.received > 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UdpConnectError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

runCli({
  name: NAME,
  version,
  summary: SUMMARY,
  footer: FOOTER,
  flags: UDP_CLIENT_FLAGS,
  async run(options) {
    if (options.ping > 0) return ping(options);
    const code = await run(options);
    // Exit may come before end of input: stop reading so an open stdin does not hold the process.
    process.stdin.destroy();
    return code;
  },
});
