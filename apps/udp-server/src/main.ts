import { uppercaseWithinBytes } from '@netlab/protocol';
import {
  createServerLogger,
  openPcapFile,
  reusePortConflict,
  runCli,
  serve,
  type FlagValues,
} from '@netlab/cli';
import { createUdpServer } from '@netlab/udp-transport';
import { version } from '../package.json';
import { FOOTER, SUMMARY, UDP_SERVER_FLAGS } from './flags';
import { observeUdpServer } from './udp-metrics';

const NAME = 'udp-server';
// Past this many source addresses the rate limiter forgets the least recently seen.
const RATE_LIMIT_MAX_SOURCES = 10_000;

/** `--pcap FILE`: the tap that writes it, or undefined. */
function capture(options: FlagValues<typeof UDP_SERVER_FLAGS>, role: 'server') {
  if (options.pcap === undefined) return undefined;
  return openPcapFile({
    path: options.pcap,
    maxBytes: options.pcapMaxBytes,
    role,
    report: (line) => process.stderr.write(`${NAME}: ${line}\n`),
  }).tap;
}

function run(options: FlagValues<typeof UDP_SERVER_FLAGS>): Promise<number> {
  const { log, workers } = createServerLogger(NAME, options);
  const server = createUdpServer({
    // Amplification-safe: the reply never has more bytes than the request.
    handler: (payload) => uppercaseWithinBytes(payload),
    logger: log.logger,
    dump: options.dump,
    tap: capture(options, 'server'),
    maxInFlight: options.maxInFlight,
    rateLimit:
      options.rateLimit > 0
        ? {
            perSecond: options.rateLimit,
            burst: options.rateLimit,
            maxSources: RATE_LIMIT_MAX_SOURCES,
          }
        : undefined,
  });
  return serve({
    name: NAME,
    log,
    graceMs: options.grace,
    workers,
    metrics:
      options.metricsPort === undefined
        ? undefined
        : { host: options.metricsHost, port: options.metricsPort, observe: observeUdpServer },
    listen: async () => {
      const { address, port } = await server.listen({
        host: options.host,
        port: options.port,
        reusePort: options.reusePort,
      });
      return { transport: 'udp', address, port };
    },
    // Waits for the handlers in flight (none for the synchronous uppercase service).
    close: (graceMs) => server.close({ graceMs }),
  });
}

runCli({
  name: NAME,
  version,
  summary: SUMMARY,
  footer: FOOTER,
  flags: UDP_SERVER_FLAGS,
  check: reusePortConflict,
  run,
});
