import { uppercaseWithinBytes } from '@netlab/protocol';
import { createUdpServer, UdpBindError, type UdpServer } from '@netlab/udp-transport';
import pino from 'pino';
import { version } from '../package.json';
import { parseServerArgs, USAGE, type ServerOptions } from './cli-options';

const NAME = 'udp-server';
// Closing a UDP socket is immediate; this only guards against a close that never completes.
const SHUTDOWN_GRACE_MS = 5000;
const RATE_LIMIT_MAX_SOURCES = 10_000;

async function run(options: ServerOptions): Promise<void> {
  // Asynchronous stdout keeps logging off the hot path; every exit below flushes it.
  const destination = pino.destination({ fd: 1, sync: false });
  const logger = pino({ name: NAME, level: options.logLevel }, destination);
  const exit = (code: number): never => {
    destination.flushSync();
    process.exit(code);
  };

  const server: UdpServer = createUdpServer({
    handler: (payload) => uppercaseWithinBytes(payload),
    logger,
    dump: options.dump,
    rateLimit:
      options.rateLimit > 0
        ? {
            perSecond: options.rateLimit,
            burst: Math.max(1, options.rateLimit),
            maxSources: RATE_LIMIT_MAX_SOURCES,
          }
        : undefined,
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) exit(0); // a second signal: stop at once
    stopping = true;
    logger.info({ signal }, 'Shutting down');
    setTimeout(() => exit(0), SHUTDOWN_GRACE_MS).unref();
    void server.close().then(() => exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  try {
    await server.listen({ host: options.host, port: options.port });
  } catch (error) {
    const message =
      error instanceof UdpBindError ? error.message : `could not start: ${String(error)}`;
    process.stderr.write(`${NAME}: ${message}\n`);
    exit(1);
  }
}

function main(argv: readonly string[]): void {
  const parsed = parseServerArgs(argv);
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
      void run(parsed.options);
  }
}

main(process.argv.slice(2));
