// Readable logs at a terminal (issue 15): stdout a terminal, human lines; piped, JSON lines
// as the contract says; --log-format forces either.
import {
  appMain,
  runCleanups,
  spawnProcess,
  startServer,
  Terminal,
} from '@netlab-tools/app-harness';

const BUDGET_MS = 60_000;
const HUMAN_LISTENING =
  /\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Listening at \{"transport":"tcp","address":"127\.0\.0\.1","port":(\d+)\}/;

afterEach(runCleanups);

describe('tcp-server (built app): log lines for people and for programs', () => {
  it(
    'writes human lines in a real terminal, Ctrl+C included',
    async () => {
      const terminal = Terminal.runApp('tcp-server', ['--host', '127.0.0.1', '--port', '0']);
      const screen = await terminal.waitFor((text) => HUMAN_LISTENING.test(text), 20_000);
      expect(screen).not.toContain('{"level"');
      terminal.press('C-c');
      const stopped = await terminal.waitFor(
        (text) => text.includes('INFO: Server closed'),
        20_000,
      );
      expect(stopped).toMatch(/INFO: Shutting down \{"signal":"SIGINT","graceMs":5000\}/);
      expect(await terminal.waitForExit()).toBe(0);
    },
    BUDGET_MS,
  );

  it(
    'writes JSON lines in a terminal with --log-format json',
    async () => {
      const terminal = Terminal.runApp('tcp-server', [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--log-format',
        'json',
      ]);
      const screen = await terminal.waitFor(
        (text) => text.includes('"msg":"Listening at"'),
        20_000,
      );
      expect(screen).toMatch(/^\{"level":30,/m);
      terminal.press('C-c');
      expect(await terminal.waitForExit()).toBe(0);
    },
    BUDGET_MS,
  );

  it(
    'writes JSON lines when piped, and human lines piped with --log-format pretty',
    async () => {
      const piped = await startServer('tcp-server', ['--host', '127.0.0.1']);
      expect(piped.listening).toMatchObject({ msg: 'Listening at', level: 30, transport: 'tcp' });

      const pretty = spawnProcess(process.execPath, [
        appMain('tcp-server'),
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--log-format',
        'pretty',
      ]);
      const human = await new Promise<string>((resolve) => {
        const check = (): void => {
          if (HUMAN_LISTENING.test(pretty.output.stdout)) resolve(pretty.output.stdout);
          else pretty.child.stdout.once('data', check);
        };
        check();
      });
      // Piped: no colour codes, which a file or a pager would show as junk.
      expect(human).not.toContain('\u001b[');
      expect(Number(HUMAN_LISTENING.exec(human)?.[1])).toBeGreaterThan(0);
      expect((await pretty.stop('SIGTERM')).code).toBe(0);
      expect(pretty.output.stdout).toMatch(/INFO: Server closed/);
    },
    BUDGET_MS,
  );
});
