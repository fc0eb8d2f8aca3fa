import {
  createServerLogger,
  openPcapFile,
  reusePortConflict,
  runCli,
  serve,
  type AppLogger,
  type FlagValues,
} from '@netlab/cli';
import { lineCodec } from '@netlab/protocol';
import { createTcpServer, type TcpServer, type TcpServerTlsOptions } from '@netlab/tcp-transport';
import { version } from '../package.json';
import { FOOTER, SUMMARY, TCP_SERVER_FLAGS } from './flags';
import { sessionsFor } from './services';
import { removeStaleSocket } from './stale-socket';
import { observeTcpServer } from './tcp-metrics';
import { reloadTls, setUpTls } from './tls-setup';

const NAME = 'tcp-server';

type Options = FlagValues<typeof TCP_SERVER_FLAGS>;

/** The line server for these options: the chosen service, one session per connection. */
function createLineServer(
  options: Options,
  log: AppLogger,
  tls: TcpServerTlsOptions | undefined,
): TcpServer {
  return createTcpServer({
    codec: lineCodec({ maxLineBytes: options.maxLineBytes }),
    createSession: sessionsFor(options.service, { historyMaxBytes: options.maxHistoryBytes }),
    // Limit breaches (server busy, line too long, ...) are answered as one plain line.
    errorFrame: (message) => message,
    logger: log.logger,
    dump: options.dump,
    tap:
      options.pcap === undefined
        ? undefined
        : openPcapFile({
            path: options.pcap,
            maxBytes: options.pcapMaxBytes,
            role: 'server',
            report: (line) => process.stderr.write(`${NAME}: ${line}\n`),
          }).tap,
    proxyProtocol: options.proxyProtocol,
    tls,
    limits: {
      maxConnections: options.maxConnections,
      idleTimeoutMs: options.idleTimeout,
      lineDeadlineMs: options.lineDeadline,
      maxPendingWriteBytes: options.maxPendingWriteBytes,
      stuckWriterTimeoutMs: options.stuckWriterTimeout,
      maxInFlight: options.maxInFlight,
    },
  });
}

async function run(options: Options): Promise<number> {
  // Checked before anything else, as a bad flag is: one line, exit 2, nothing bound.
  const tls = await setUpTls(options);
  if (tls.kind === 'unusable') {
    process.stderr.write(`${NAME}: ${tls.message}\n`);
    return 2;
  }
  const { log, workers } = createServerLogger(NAME, options);
  if (options.service === 'chat' && workers !== 1) {
    // Each worker would hold a room of its own: clients on different workers would not meet.
    process.stderr.write(`${NAME}: --service chat runs in one process: drop --workers\n`);
    return 2;
  }
  const server = createLineServer(options, log, tls.kind === 'on' ? tls.tls : undefined);
  return serve({
    name: NAME,
    log,
    graceMs: options.grace,
    workers,
    metrics:
      options.metricsPort === undefined
        ? undefined
        : { host: options.metricsHost, port: options.metricsPort, observe: observeTcpServer },
    listen: async () => {
      if (options.path !== undefined) await removeStaleSocket(options.path);
      const bound = await server.listen(
        options.path !== undefined
          ? { path: options.path }
          : { host: options.host, port: options.port, reusePort: options.reusePort },
      );
      return 'path' in bound
        ? { transport: 'tcp', path: bound.path }
        : { transport: 'tcp', address: bound.address, port: bound.port };
    },
    close: (graceMs) => server.close({ graceMs }),
    ...(tls.kind === 'on' ? { reload: () => reloadTls(options, server, log) } : {}),
  });
}

runCli({
  name: NAME,
  version,
  summary: SUMMARY,
  footer: FOOTER,
  flags: TCP_SERVER_FLAGS,
  check: reusePortConflict,
  run,
});
