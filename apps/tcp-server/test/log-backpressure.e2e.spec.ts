import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LineSocket, appMain, onCleanup, runCleanups } from '@netlab-tools/app-harness';

afterEach(runCleanups);

describe('tcp-server (built app) logging to a stdout nobody reads', () => {
  it('keeps serving, drops log lines past its 16 MiB buffer, and then says how many it dropped', async () => {
    const child = spawn(
      process.execPath,
      [appMain('tcp-server'), '--port', '0', '--host', '127.0.0.1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    onCleanup(() => child.kill('SIGKILL'));
    const lines = createInterface({ input: child.stdout });
    const port = await new Promise<number>((resolve) =>
      lines.on('line', function onLine(text) {
        const line = JSON.parse(text) as { msg: string; port?: number };
        if (line.msg === 'Listening at') {
          lines.off('line', onLine);
          resolve(line.port!);
        }
      }),
    );
    // From here on nobody reads the server's stdout: the pipe fills, then the logger's buffer.
    child.stdout.pause();
    const client = await LineSocket.connect({ port });
    // Each message logs ~150 bytes at info: 200,000 of them are ~30 MB of log lines.
    const messages = 200_000;
    void client.write('m\n'.repeat(messages));
    const replies = await client.readLines(messages);
    expect(replies.every((reply) => reply === 'Your data was 1 bytes')).toBe(true);

    const dropped = new Promise<number>((resolve) =>
      lines.on('line', (text) => {
        const line = JSON.parse(text) as { msg: string; dropped?: number };
        if (line.msg === 'Log lines dropped: stdout is not read fast enough')
          resolve(line.dropped!);
      }),
    );
    child.stdout.resume();
    expect(await dropped).toBeGreaterThan(0);
  }, 120_000);
});
