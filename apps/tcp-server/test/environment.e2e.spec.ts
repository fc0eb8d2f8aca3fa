// Configuration from the environment (issue 15): every flag also from NETLAB_<FLAG>, the
// port also from PORT; a flag on the command line wins over a variable, a variable over the
// default; a bad variable is one line naming it, exit 2, nothing bound.
import {
  appMain,
  freePort,
  LineSocket,
  LogCollector,
  runApp,
  runCleanups,
  spawnProcess,
  startServer,
  type LogLine,
} from '@netlab-tools/app-harness';

/** The test's environment without any netlab variable or PORT it may have inherited. */
function environment(variables: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('NETLAB_') && name !== 'PORT'),
  );
  return { ...clean, ...variables };
}

/** tcp-server with ARGS as given (no --port added) and VARIABLES: its `Listening at` line. */
async function listeningWith(args: string[], variables: Record<string, string>): Promise<LogLine> {
  const server = spawnProcess(process.execPath, [appMain('tcp-server'), ...args], {
    env: environment(variables),
  });
  const logs = new LogCollector(server.child.stdout);
  return Promise.race([
    logs.waitFor('Listening at'),
    server.exited.then((exit) => {
      throw new Error(`tcp-server exited (${exit.code}) before listening: ${exit.stderr}`);
    }),
  ]);
}

afterEach(runCleanups);

describe('tcp-server (built app): configuration from the environment', () => {
  it('listens on PORT when no --port or NETLAB_PORT is given', async () => {
    const port = await freePort('tcp');
    const listening = await listeningWith(['--host', '127.0.0.1'], { PORT: String(port) });
    expect(listening.port).toBe(port);
  }, 60_000);

  it('prefers NETLAB_PORT to PORT, and --port to both', async () => {
    const [netlabPort, platformPort] = await Promise.all([freePort('tcp'), freePort('tcp')]);
    const variables = { NETLAB_PORT: String(netlabPort), PORT: String(platformPort) };
    expect((await listeningWith(['--host', '127.0.0.1'], variables)).port).toBe(netlabPort);
    const flagged = await listeningWith(['--host', '127.0.0.1', '--port', '0'], variables);
    expect([0, netlabPort, platformPort]).not.toContain(flagged.port);
  }, 60_000);

  it('serves the service NETLAB_SERVICE names, unless --service says otherwise', async () => {
    const fromVariable = await startServer('tcp-server', ['--host', '127.0.0.1'], {
      env: environment({ NETLAB_SERVICE: 'uppercase', NETLAB_LOG_LEVEL: 'warn' }),
    });
    const client = await LineSocket.connect({ port: fromVariable.port });
    await client.write('hello\n');
    expect(await client.readLine()).toBe('HELLO');

    const fromFlag = await startServer('tcp-server', ['--host', '127.0.0.1', '--service', 'task'], {
      env: environment({ NETLAB_SERVICE: 'uppercase' }),
    });
    const other = await LineSocket.connect({ port: fromFlag.port });
    await other.write('hello\n');
    expect(await other.readLine()).toBe('Your data was 5 bytes');
  }, 60_000);

  it('tells where it listens even at NETLAB_LOG_LEVEL=silent, and nothing else', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1'], {
      env: environment({ NETLAB_LOG_LEVEL: 'silent' }),
    });
    expect(server.port).toBeGreaterThan(0);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    expect((await server.stop('SIGTERM')).code).toBe(0);
    expect(server.logs.lines.map((line) => line.msg)).toEqual(['Listening at']);
    expect(server.listening).toMatchObject({ transport: 'tcp', address: '127.0.0.1' });
  }, 60_000);

  it.each([
    [{ NETLAB_PORT: 'eighty' }, 'NETLAB_PORT must be an integer from 0 to 65535 (got "eighty")'],
    [{ PORT: '65536' }, 'PORT must be an integer from 0 to 65535 (got "65536")'],
    [
      { NETLAB_MAX_CONNECTIONS: '0' },
      'NETLAB_MAX_CONNECTIONS must be an integer from 1 to 1000000 (got "0")',
    ],
    [
      { NETLAB_PROXY_PROTOCOL: 'perhaps' },
      'NETLAB_PROXY_PROTOCOL must be one of 1, true, yes, on, 0, false, no, off (got "perhaps")',
    ],
  ])(
    'refuses the bad variable %j in one line naming it, exit 2',
    async (variables, line) => {
      const result = await runApp('tcp-server', [], '', { env: environment(variables) });
      expect(result).toMatchObject({ code: 2, stdout: '', stderr: `tcp-server: ${line}\n` });
    },
    60_000,
  );

  it('names the variable of every flag in --help', async () => {
    const help = await runApp('tcp-server', ['--help'], '', { env: environment({}) });
    expect(help.code).toBe(0);
    for (const variable of [
      'NETLAB_HOST',
      'NETLAB_PORT, PORT',
      'NETLAB_MAX_CONNECTIONS',
      'NETLAB_LOG_LEVEL',
      'NETLAB_WORKERS',
      'NETLAB_DUMP',
    ]) {
      expect(help.stdout).toContain(variable);
    }
  }, 60_000);
});
