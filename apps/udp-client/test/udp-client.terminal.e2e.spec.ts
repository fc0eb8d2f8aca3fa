import { createSocket } from 'node:dgram';
import {
  onCleanup,
  runCleanups,
  startDemo,
  startServer,
  Terminal,
} from '@netlab-tools/app-harness';

const PROMPT = 'Enter message to send or type Exit to disconnect: ';
const REPLY = 'Received Message from Server: ';

/** The built udp-client in a real terminal (tmux), talking to PORT. */
function clientInTerminal(port: number, args: string[] = []): Terminal {
  return Terminal.runApp('udp-client', ['--port', String(port), ...args]);
}

/** The screen as lines, without the spaces at their ends (tmux may or may not keep them). */
const screenLines = (screen: string): string[] => screen.split('\n').map((line) => line.trimEnd());

/** What the client printed: the non-blank lines, without tmux's own "Pane is dead" note. */
const clientLines = (screen: string): string[] =>
  screenLines(screen).filter((line) => line !== '' && !line.startsWith('Pane is dead'));

/** True once the screen shows the prompt and nothing else. */
const onlyPrompt = (screen: string): boolean => screenLines(screen).join('\n') === PROMPT.trimEnd();

/** Sends one datagram to PORT from a fresh socket; resolves with that socket's address. */
async function sendMarker(port: number): Promise<{ address: string; port: number }> {
  const socket = createSocket('udp4');
  onCleanup(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve, reject) =>
    socket.send('marker', port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
  return { address: '127.0.0.1', port: socket.address().port };
}

afterEach(runCleanups);

describe('udp-client in a terminal (built app, tmux)', () => {
  it('prompts, prints "Received Message from Server: <UPPER>" for a typed line, and exits 0 on Exit', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const terminal = clientInTerminal(server.port);
    await terminal.waitFor(onlyPrompt);

    terminal.type('Hello from the keyboard');
    const answered = await terminal.waitFor((screen) => screenLines(screen).length === 3);
    expect(screenLines(answered)).toEqual([
      `${PROMPT}Hello from the keyboard`,
      `${REPLY}HELLO FROM THE KEYBOARD`,
      PROMPT.trimEnd(),
    ]);

    terminal.type('Exit');
    expect(await terminal.waitForExit()).toBe(0);
    // Exit is not sent. One server socket takes datagrams in arrival order, so once it has
    // logged a marker sent now, it would have logged an Exit datagram sent before it.
    const marker = await sendMarker(server.port);
    await server.logs.waitFor('Received message from client', { remote: marker });
    expect(server.logs.find('Received message from client')).toHaveLength(2);
    expect(clientLines(terminal.screen())).toEqual([
      `${PROMPT}Hello from the keyboard`,
      `${REPLY}HELLO FROM THE KEYBOARD`,
      `${PROMPT}Exit`,
    ]);
  });

  it('ends cleanly on Ctrl+C at the prompt: exit 0, no error on the screen', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const terminal = clientInTerminal(server.port);
    await terminal.waitFor(onlyPrompt);
    terminal.type('one');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}ONE`));

    terminal.press('C-c');
    expect(await terminal.waitForExit()).toBe(0);
    expect(clientLines(terminal.screen())).toEqual([
      `${PROMPT}one`,
      `${REPLY}ONE`,
      PROMPT.trimEnd(),
    ]);
  });

  it('stops waiting at once on Ctrl+C while a reply is awaited, and exits 1 for the abandoned line', async () => {
    // A server that receives but never answers, so the client would wait a minute and more.
    const silent = createSocket('udp4');
    onCleanup(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const arrived = new Promise((resolve) => silent.once('message', resolve));

    const terminal = clientInTerminal(silent.address().port, ['--timeout', '60000']);
    await terminal.waitFor(onlyPrompt);
    terminal.type('anyone there?');
    await arrived;

    terminal.press('C-c');
    expect(await terminal.waitForExit()).toBe(1);
    // Neither a reply, nor a "No reply" line, nor an error: the user chose to stop.
    expect(clientLines(terminal.screen())).toEqual([`${PROMPT}anyone there?`]);
  });
});

describe('npx nx serve udp-client, as a person runs it', () => {
  // Nx starts, checks the build (from the cache: the test target built it), then runs it.
  const NX_START_MS = 60_000;

  it('builds, runs the client in the terminal, and passes typed lines through to it', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const terminal = Terminal.nxServe('udp-client', ['--port', String(server.port)]);
    await terminal.waitFor((screen) => screen.includes(PROMPT.trimEnd()), NX_START_MS);

    // A build in the same Nx run as the client would read the terminal and swallow these keys.
    terminal.type('typed through nx');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}TYPED THROUGH NX`));
    terminal.type('Exit');
    expect(await terminal.waitForExit(NX_START_MS)).toBe(0);
  }, 150_000);
});

describe('npm start -- udp, the UDP pair of the README', () => {
  it('starts udp-server, runs udp-client to type into, and stops the server when the client ends', async () => {
    const { terminal, serverLog } = await startDemo('udp');
    terminal.type('hello from npm start');
    await terminal.waitFor((screen) => screen.includes(`${REPLY}HELLO FROM NPM START`));
    terminal.type('Exit');
    expect(await terminal.waitForExit()).toBe(0);

    const events = serverLog().map((line) => line.msg);
    expect(events.filter((msg) => msg === 'Received message from client')).toHaveLength(1);
    expect(events.at(-1)).toBe('Server closed');
  }, 150_000);
});
