import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import {
  onCleanup,
  runCleanups,
  startDemo,
  startServer,
  Terminal,
} from '@netlab-tools/app-harness';

const PROMPT = 'Enter message to send or type Exit to disconnect: ';
const REPLY = 'Received Message from Server: ';

/** The built tcp-client in a real terminal (tmux), talking to PORT. */
function clientInTerminal(port: number): Terminal {
  return Terminal.runApp('tcp-client', ['--port', String(port)]);
}

/** The screen as lines without trailing spaces, and without tmux's own "Pane is dead" note. */
const screenLines = (screen: string): string[] =>
  screen
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => !line.startsWith('Pane is dead'));

/** What the client printed: the screen's lines up to the last one with text. */
function printed(screen: string): string[] {
  const lines = screenLines(screen);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const endsWithPrompt = (screen: string): boolean => screenLines(screen).at(-1) === PROMPT.trimEnd();

/** A TCP server that takes lines and never answers; resolves with its port and a first-data promise. */
async function silentServer(): Promise<{ port: number; received: Promise<unknown> }> {
  const sockets = new Set<Socket>();
  let gotData!: () => void;
  const received = new Promise<void>((resolve) => (gotData = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => gotData());
    socket.on('error', () => undefined);
  });
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return { port: address.port, received };
}

afterEach(runCleanups);

describe('tcp-client in a terminal (built app, tmux)', () => {
  it('prompts, shows each reply and a History readably, and exits 0 on Exit', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const terminal = clientInTerminal(server.port);
    await terminal.waitFor(endsWithPrompt);

    terminal.type('Hi');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 2 bytes`));
    terminal.type('Testing Connection');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 18 bytes`));
    terminal.type('History');
    await terminal.waitFor((screen) => screen.includes('  2. Testing Connection'));
    terminal.type('Exit');

    expect(await terminal.waitForExit()).toBe(0);
    expect(printed(terminal.screen())).toEqual([
      `${PROMPT}Hi`,
      `${REPLY}Your data was 2 bytes`,
      `${PROMPT}Testing Connection`,
      `${REPLY}Your data was 18 bytes`,
      `${PROMPT}History`,
      `${REPLY}History (2 messages)`,
      '  1. Hi',
      '  2. Testing Connection',
      `${PROMPT}Exit`,
      `${REPLY}Disconnect`,
    ]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({ reason: 'exit' });
  });

  it('ends cleanly on Ctrl+C at the prompt: exit 0, nothing printed after the prompt', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const terminal = clientInTerminal(server.port);
    await terminal.waitFor(endsWithPrompt);
    terminal.type('one');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 3 bytes`));

    terminal.press('C-c');
    expect(await terminal.waitForExit()).toBe(0);
    expect(printed(terminal.screen())).toEqual([
      `${PROMPT}one`,
      `${REPLY}Your data was 3 bytes`,
      PROMPT.trimEnd(),
    ]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'client closed',
    });
  });

  it('stops waiting at once on Ctrl+C while a reply is awaited, and exits 1 for the abandoned line', async () => {
    const silent = await silentServer();
    const terminal = clientInTerminal(silent.port);
    await terminal.waitFor(endsWithPrompt);
    terminal.type('anyone there?');
    await silent.received;

    terminal.press('C-c');
    expect(await terminal.waitForExit()).toBe(1);
    // Neither a reply nor an error: the user chose to stop.
    expect(printed(terminal.screen())).toEqual([`${PROMPT}anyone there?`]);
  });

  it('says at once, on a line of its own, that the server closed the connection, and exits 1', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const terminal = clientInTerminal(server.port);
    await terminal.waitFor(endsWithPrompt);
    terminal.type('Hi');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 2 bytes`));

    await server.stop('SIGTERM');
    expect(await terminal.waitForExit()).toBe(1);
    expect(printed(terminal.screen())).toEqual([
      `${PROMPT}Hi`,
      `${REPLY}Your data was 2 bytes`,
      PROMPT.trimEnd(),
      `Connection to 127.0.0.1:${server.port} closed by the server`,
    ]);
  });
});

describe('npx nx serve tcp-client, as a person runs it', () => {
  // Nx starts, checks the build (from the cache: the test target built it), then runs it.
  const NX_START_MS = 60_000;

  it('builds, runs the client in the terminal, and passes typed lines through to it', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const terminal = Terminal.nxServe('tcp-client', ['--port', String(server.port)]);
    await terminal.waitFor((screen) => screen.includes(PROMPT.trimEnd()), NX_START_MS);

    terminal.type('Hi');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 2 bytes`));
    terminal.type('History');
    await terminal.waitFor((screen) => screen.includes('  1. Hi'));
    terminal.type('Exit');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Disconnect`));

    expect(await terminal.waitForExit(NX_START_MS)).toBe(0);
    const lines = screenLines(terminal.screen());
    const from = lines.indexOf(`${PROMPT}Hi`);
    expect(lines.slice(from, from + 6)).toEqual([
      `${PROMPT}Hi`,
      `${REPLY}Your data was 2 bytes`,
      `${PROMPT}History`,
      `${REPLY}History (1 message)`,
      '  1. Hi',
      `${PROMPT}Exit`,
    ]);
    expect(lines[from + 6]).toBe(`${REPLY}Disconnect`);
  }, 150_000);
});

describe("npm start, the README's first command", () => {
  it('starts tcp-server, runs tcp-client to type into, and stops the server when the client ends', async () => {
    const { terminal, serverLog } = await startDemo('tcp');
    terminal.type('Hi');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 2 bytes`));
    terminal.type('Testing Connection');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Your data was 18 bytes`));
    terminal.type('Exit');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}Disconnect`));
    expect(await terminal.waitForExit()).toBe(0);

    // The server it started heard the three lines and was stopped cleanly on the way out.
    const events = serverLog().map((line) => line.msg);
    expect(events.filter((msg) => msg === 'Received message from client')).toHaveLength(3);
    expect(events.at(-1)).toBe('Server closed');
  }, 150_000);
});
