import { createAppLogger, openKeyboard, runCli, type FlagValues } from '@netlab/cli';
import { connectTcp, TcpConnectError, type TcpTarget } from '@netlab/tcp-transport';
import { version } from '../package.json';
import { converse } from './conversation';
import { FOOTER, SUMMARY, TCP_CLIENT_FLAGS } from './flags';

const NAME = 'tcp-client';

async function run(options: FlagValues<typeof TCP_CLIENT_FLAGS>): Promise<number> {
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
  let client;
  try {
    client = await connectTcp(target, { logger: log.logger, dump: options.dump });
  } catch (error) {
    if (!(error instanceof TcpConnectError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const interrupt = new AbortController();
  // Ctrl+C at the terminal ends the session: an unanswered line is given up.
  const keyboard = openKeyboard(() => interrupt.abort());
  return converse(
    client,
    keyboard,
    {
      reply: (text) => process.stdout.write(text),
      problem: (line) => process.stderr.write(`${line}\n`),
    },
    interrupt.signal,
  );
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
