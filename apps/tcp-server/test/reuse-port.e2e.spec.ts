import { nodeHasReusePort } from '@netlab/protocol';
import {
  LineSocket,
  runApp,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

// Each test has room for a loaded machine: several processes start, and each waits for events.
const BUDGET_MS = 60_000;

/** `count` connections at once, each sending `Hi` and checking its reply, then closing. */
async function connectionsOf(port: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const client = await LineSocket.connect({ port });
      await client.write('Hi\n');
      expect(await client.readLine()).toBe('Your data was 2 bytes');
      client.end();
      await client.closed;
    }),
  );
}

/** A tcp-server with --reuse-port on 127.0.0.1: on `port`, or on one the OS picks. */
function reusePortServer(port = 0, args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--reuse-port',
    ...args,
  ]);
}

afterEach(runCleanups);

// The same tests run under each Node of the matrix (tools/scripts/node-matrix.sh): what
// --reuse-port does where Node has it, and its refusal where it does not.
if (nodeHasReusePort(process.versions.node)) {
  describe(`tcp-server --reuse-port on Node ${process.versions.node} (built app)`, () => {
    it(
      'lets two independent servers listen on one port, and the kernel gives connections to both',
      async () => {
        const first = await reusePortServer();
        const second = await reusePortServer(first.port);
        expect(second.port).toBe(first.port);

        await connectionsOf(first.port, 40);
        // 40 source ports hashed onto 2 listeners: all on one would be a 1 in 2^39 chance.
        await first.logs.waitFor('Connection accepted');
        await second.logs.waitFor('Connection accepted');
      },
      BUDGET_MS,
    );

    it(
      'gives each --workers worker a listening socket of its own, and both get connections',
      async () => {
        // An independent server holds a port the workers can then share with it.
        const holder = await reusePortServer();
        const workers = await reusePortServer(holder.port, ['--workers', '2']);
        const listening = await workers.logs.waitForCount('Listening at', 2);
        expect(listening.map((line) => line.port)).toEqual([holder.port, holder.port]);
        expect((await holder.stop()).code).toBe(0);

        await connectionsOf(holder.port, 40);
        await workers.logs.waitFor('Connection accepted', { worker: 1 });
        await workers.logs.waitFor('Connection accepted', { worker: 2 });
      },
      BUDGET_MS,
    );

    it(
      'refuses --path, which has no port to share: exit 2',
      async () => {
        const exit = await runApp('tcp-server', [
          '--path',
          '/tmp/netlab-never.sock',
          '--reuse-port',
        ]);
        expect(exit.code).toBe(2);
        expect(exit.stderr).toBe(
          'tcp-server: --reuse-port shares a port; it does not apply to --path\n',
        );
      },
      BUDGET_MS,
    );
  });
} else {
  describe(`tcp-server --reuse-port on Node ${process.versions.node} (built app)`, () => {
    it(
      'is a usage error naming the Node version needed: one line, exit 2, nothing bound',
      async () => {
        const exit = await runApp('tcp-server', ['--port', '0', '--reuse-port']);
        expect(exit.code).toBe(2);
        expect(exit.stderr).toBe(
          `tcp-server: --reuse-port needs Node 22.12 or later (this is Node ${process.versions.node})\n`,
        );
        expect(exit.stdout).toBe('');
      },
      BUDGET_MS,
    );
  });
}
