import { createAppLogger, openKeyboard, runCli, type FlagValues, openPcapFile } from '@netlab/cli';
import {
  connectTcp,
  TcpConnectError,
  type TcpClientStatus,
  TcpTlsHandshakeError,
  type TcpTarget,
} from '@netlab/tcp-transport';
import { version } from '../package.json';
import { converse } from './conversation';
import { FOOTER, SUMMARY, TCP_CLIENT_FLAGS } from './flags';
import { Screen } from './screen';
import { statusLine } from './status-lines';
import { setUpClientTls } from './tls-setup';

const NAME = 'tcp-client';

async function run(options: FlagValues<typeof TCP_CLIENT_FLAGS>): Promise<number> {
  const tls = await setUpClientTls(options);
  if (tls.kind === 'unusable') {
    process.stderr.write(`${NAME}: ${tls.message}\n`);
    return 2;
  }
  // stdout is the user's screen; logs go to stderr.
  const log = createAppLogger({
    name: NAME,
    level: options.logLevel,
    dump: options.dump,
    stream: 'stderr',
  });
  const target: TcpTarget =
    options.path !== undefined
      ? { path: options.path }
      : { host: options.host, port: options.port };
  // The screen comes once the keyboard is open; a change before then (the first connect)
  // needs no line.
  const shown: { screen?: Screen } = {};
  const onStatus = (status: TcpClientStatus): void => {
    const line = statusLine(status, target);
    if (line !== undefined) shown.screen?.problem(line);
  };
  let client;
  try {
    client = await connectTcp(target, {
      logger: log.logger,
      dump: options.dump,
      tap:
        options.pcap === undefined
          ? undefined
          : openPcapFile({
              path: options.pcap,
              maxBytes: options.pcapMaxBytes,
              role: 'client',
              report: (line) => process.stderr.write(`${NAME}: ${line}\n`),
            }).tap,
      // The defaults: waits from 100 ms doubling to 5 s, with full jitter, 10 attempts.
      reconnect: options.reconnect ? {} : undefined,
      onStatus,
      ...(tls.kind === 'on' ? { tls: tls.tls } : {}),
    });
  } catch (error) {
    if (!(error instanceof TcpConnectError || error instanceof TcpTlsHandshakeError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const interrupt = new AbortController();
  // Ctrl+C at the terminal ends the session: an unanswered line is given up.
  const keyboard = openKeyboard(() => interrupt.abort());
  const screen = new Screen(keyboard);
  shown.screen = screen;
  return converse(client, keyboard, screen, interrupt.signal, options.chat ? 'chat' : 'reply');
}

runCli({
  name: NAME,
  version,
  summary: SUMMARY,
  footer: FOOTER,
  flags: TCP_CLIENT_FLAGS,
  async run(options) {
    const code = await run(options);
    // Exit may come before end of input: stop reading so an open stdin does not hold the process.
    process.stdin.destroy();
    return code;
  },
});
