import {
  LineSocket,
  appMain,
  launchServer,
  onCleanup,
  runCleanups,
} from '@netlab-tools/app-harness';

afterEach(runCleanups);

describe('tcp-server (built app) logging to a stdout nobody reads', () => {
  it('keeps serving, drops log lines past its 16 MiB buffer, and then says how many it dropped', async () => {
    let onLine: (text: string) => void = () => undefined;
    const server = await launchServer({
      name: 'tcp-server',
      command: process.execPath,
      args: [appMain('tcp-server'), '--port', '0', '--host', '127.0.0.1'],
      onStdoutLine: (text) => onLine(text),
    });
    onCleanup(() => server.stop({ signal: 'SIGKILL' }));
    const { port } = server;
    // From here on nobody reads the server's stdout: the pipe fills, then the logger's buffer.
    server.child.stdout!.pause();
    const client = await LineSocket.connect({ port });
    // Each message logs ~150 bytes at info: 200,000 of them are ~30 MB of log lines.
    const messages = 200_000;
    void client.write('m\n'.repeat(messages));
    const replies = await client.readLines(messages);
    expect(replies.every((reply) => reply === 'Your data was 1 bytes')).toBe(true);

    const dropped = new Promise<number>((resolve) => {
      onLine = (text) => {
        const line = JSON.parse(text) as { msg: string; dropped?: number };
        if (line.msg === 'Log lines dropped: stdout is not read fast enough')
          resolve(line.dropped!);
      };
    });
    server.child.stdout!.resume();
    expect(await dropped).toBeGreaterThan(0);
  }, 120_000);
});
