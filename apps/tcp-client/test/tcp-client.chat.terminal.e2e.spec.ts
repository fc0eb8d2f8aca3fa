import {
  LineSocket,
  runCleanups,
  startServer,
  Terminal,
  type RunningServer,
} from '@netlab-tools/app-harness';

const PROMPT = 'Enter message to send or type Exit to disconnect: ';

/** The screen as lines without trailing spaces, and without tmux's own "Pane is dead" note. */
const screenLines = (screen: string): string[] =>
  screen
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.startsWith('Pane is dead'));

function startChat(): Promise<RunningServer> {
  return startServer('tcp-server', ['--host', '127.0.0.1', '--port', '0', '--service', 'chat']);
}

// tmux is polled, and the machine may be busy.
jest.setTimeout(60_000);

afterEach(runCleanups);

describe('tcp-client --chat in a terminal (built apps, tmux)', () => {
  it('prints a line that arrives while a line is half typed above the prompt, and keeps what was typed', async () => {
    const server = await startChat();
    const other = await LineSocket.connect({ host: '127.0.0.1', port: server.port });
    await server.logs.waitFor('Connection accepted', { connection: 1 });
    const terminal = Terminal.runApp('tcp-client', ['--port', String(server.port), '--chat']);
    await terminal.waitFor((screen) => screenLines(screen).at(-1) === PROMPT.trimEnd(), 30_000);
    await server.logs.waitFor('Connection accepted', { connection: 2 });

    terminal.type('half typ', false);
    await terminal.waitFor((screen) => screenLines(screen).at(-1) === `${PROMPT}half typ`, 30_000);
    const otherName = `127.0.0.1:${other.socket.localPort}`;
    await other.write('hello from the other side\n');
    // The redraw is several writes (wipe, the line, the prompt again) and tmux may be looked
    // at between them: wait until the prompt is back under the arriving line, then check all.
    const redrawn = await terminal.waitFor(
      (screen) =>
        screen.includes(`${otherName}: hello from the other side`) &&
        screenLines(screen).at(-1) === `${PROMPT}half typ`,
      30_000,
    );
    // The arriving line stands alone; below it the prompt with the half-typed text, intact.
    expect(screenLines(redrawn)).toEqual([
      `${otherName}: hello from the other side`,
      `${PROMPT}half typ`,
    ]);

    // Typing goes on where it stopped, and the whole line is sent.
    terminal.type('ed line');
    const sent = await other.readLine(30_000);
    expect(sent).toMatch(/^127\.0\.0\.1:\d+: half typed line$/);

    terminal.type('Exit');
    expect(await terminal.waitForExit(30_000)).toBe(0);
    expect(screenLines(terminal.screen())).toEqual([
      `${otherName}: hello from the other side`,
      `${PROMPT}half typed line`,
      `${PROMPT}Exit`,
      'Disconnect',
    ]);
  });
});
