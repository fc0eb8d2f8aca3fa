import { readFileSync } from 'node:fs';
import { runCleanups } from './cleanup';
import { launchServer, parseListeningLine, type LaunchedServer } from './server-launcher';
import { temporaryPath } from './temp-path';

// A stand-in server: listens on port 0, logs `Listening at` as netlab's servers do (unless
// told to stay quiet), then logs one more line.
const FAKE_SERVER = `
const net = require('node:net');
const quiet = process.argv.includes('--quiet');
const server = net.createServer().listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (!quiet) console.log(JSON.stringify({ level: 30, msg: 'Listening at', transport: 'tcp', port }));
  console.log(JSON.stringify({ level: 30, msg: 'after' }));
});
process.on('SIGTERM', () => server.close());
`;

describe('parseListeningLine', () => {
  it('reads a pino "Listening at" line, with a port or a path', () => {
    const line =
      '{"level":30,"time":1,"pid":9,"name":"tcp-server","transport":"tcp","address":"127.0.0.1","port":40123,"msg":"Listening at"}';
    expect(parseListeningLine(line)).toMatchObject({ msg: 'Listening at', port: 40123 });
    expect(parseListeningLine('{"msg":"Listening at","path":"/tmp/s.sock"}')).toMatchObject({
      path: '/tmp/s.sock',
    });
  });

  it('ignores other events and other text', () => {
    expect(parseListeningLine('{"msg":"Connection accepted","port":1}')).toBeUndefined();
    expect(parseListeningLine('Listening at 127.0.0.1:80')).toBeUndefined();
    expect(parseListeningLine('{"msg":"Listening at", broken')).toBeUndefined();
  });
});

describe('launchServer', () => {
  const TIME_BUDGET_MS = 60_000;
  let server: LaunchedServer | undefined;
  afterEach(async () => {
    await server?.stop({ signal: 'SIGKILL' });
    server = undefined;
    await runCleanups();
  });

  const node = (...args: string[]) => ({
    command: process.execPath,
    args: ['-e', FAKE_SERVER, '--', ...args],
  });

  it(
    'is ready at the "Listening at" line on stdout, with its port, and streams every line',
    async () => {
      const lines: string[] = [];
      server = await launchServer({
        name: 'fake',
        ...node(),
        onStdoutLine: (line) => lines.push(line),
      });
      expect(server.port).toBeGreaterThan(0);
      expect(server.listening).toMatchObject({ msg: 'Listening at', port: server.port });
      expect(server.startupMs).toBeGreaterThan(0);
      const exit = await server.stop();
      expect(exit).toEqual({ code: 0, signal: null, killed: false });
      expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['Listening at', 'after']);
    },
    TIME_BUDGET_MS,
  );

  it(
    'is ready at the line in the file its stdout went to',
    async () => {
      const file = temporaryPath('launcher-stdout.log');
      server = await launchServer({ name: 'fake', ...node(), stdoutFile: file });
      expect(server.port).toBeGreaterThan(0);
      expect(readFileSync(file, 'utf8')).toContain(`"port":${server.port}`);
    },
    TIME_BUDGET_MS,
  );

  it(
    'finds a server that logs nothing through /proc (silentOn)',
    async () => {
      server = await launchServer({ name: 'fake', ...node('--quiet'), silentOn: 'tcp' });
      expect(server.port).toBeGreaterThan(0);
      expect(server.listening).toBeUndefined();
    },
    TIME_BUDGET_MS,
  );

  it(
    'rejects, with its stderr, a server that exits before it listens',
    async () => {
      const failing = launchServer({
        name: 'broken',
        command: process.execPath,
        args: ['-e', 'console.error("bad flag: --nope"); process.exit(2)'],
      });
      await expect(failing).rejects.toThrow(
        /broken exited with code 2 before it was listening; its stderr:\nbad flag: --nope/,
      );
    },
    TIME_BUDGET_MS,
  );

  it(
    'rejects and kills a server that never listens within the time allowed',
    async () => {
      const silent = launchServer({
        name: 'mute',
        command: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        timeoutMs: 500,
      });
      await expect(silent).rejects.toThrow('mute did not start listening within 0.5 s');
    },
    TIME_BUDGET_MS,
  );
});
