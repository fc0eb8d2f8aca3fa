import { createInterface } from 'node:readline';
import {
  createUdpClient,
  describeCause,
  formatEndpoint,
  MAX_REQUEST_PAYLOAD_BYTES,
  UdpAbortError,
  UdpConnectError,
  UdpTimeoutError,
  UdpTransportError,
} from '@netlab/udp-transport';
import pino from 'pino';
import { version } from '../package.json';
import { parseClientArgs, USAGE, type ClientOptions } from './cli-options';

const NAME = 'udp-client';
const PROMPT = 'Enter message to send or type Exit to disconnect: ';
const REPLY_PREFIX = 'Received Message from Server: ';

/** Sends the lines of stdin one at a time; resolves with the exit code. */
async function run(options: ClientOptions): Promise<number> {
  // stdout is the user's screen; logs go to stderr.
  const logger = pino(
    { name: NAME, level: options.logLevel },
    pino.destination({ fd: 2, sync: true }),
  );
  const client = createUdpClient({
    host: options.host,
    port: options.port,
    logger,
    dump: options.dump,
  });
  const target = formatEndpoint(options);
  try {
    await client.connect();
  } catch (error) {
    if (!(error instanceof UdpConnectError)) throw error;
    process.stderr.write(`Could not connect to ${target}: ${describeCause(error.cause)}\n`);
    return 1;
  }

  const interactive = process.stdin.isTTY === true;
  const lines = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    crlfDelay: Infinity,
  });
  const stop = new AbortController();
  // Ctrl+C on a terminal reaches readline, not the process: end the session as at end of input.
  lines.on('SIGINT', () => {
    stop.abort();
    lines.close();
  });
  lines.setPrompt(PROMPT);
  if (interactive) lines.prompt();

  let unanswered = 0;
  for await (const line of lines) {
    // UDP has no connection to close: Exit just ends the session, like end of input.
    if (line.trim().toLowerCase() === 'exit') break;
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > MAX_REQUEST_PAYLOAD_BYTES) {
      process.stderr.write(
        `${NAME}: line of ${bytes} bytes not sent: one datagram carries at most ${MAX_REQUEST_PAYLOAD_BYTES} bytes of message\n`,
      );
      unanswered += 1;
    } else {
      try {
        const reply = await client.request(line, {
          timeout: options.timeout,
          retries: options.retries,
          signal: stop.signal,
        });
        process.stdout.write(`${REPLY_PREFIX}${reply.toString('utf8')}\n`);
      } catch (error) {
        unanswered += 1;
        if (error instanceof UdpAbortError) break;
        // The no-reply line goes to stdout: it is this line's outcome, in order with the replies.
        if (error instanceof UdpTimeoutError) process.stdout.write(`${error.message}\n`);
        else if (error instanceof UdpTransportError)
          process.stderr.write(`${NAME}: ${error.message}\n`);
        else throw error;
      }
    }
    if (interactive) lines.prompt();
  }
  lines.close();
  await client.close();
  return unanswered === 0 ? 0 : 1;
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseClientArgs(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`${version}\n`);
      return;
    case 'error':
      process.stderr.write(`${NAME}: ${parsed.message}\n`);
      process.exitCode = 2;
      return;
    case 'run':
      process.exitCode = await run(parsed.options);
      // Exit may come before end of input: stop reading so an open stdin does not hold the process.
      process.stdin.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `${NAME}: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
