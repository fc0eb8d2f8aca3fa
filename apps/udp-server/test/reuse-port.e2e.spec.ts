import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { nodeHasReusePort } from '@netlab/protocol';
import {
  onCleanup,
  runApp,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

// Each test has room for a loaded machine: several processes start, and each waits for events.
const BUDGET_MS = 60_000;

/**
 * One datagram from each of `count` sockets (each its own source port, which is what the
 * kernel hashes to pick a listening socket), every reply awaited and checked.
 */
async function oneFromEach(port: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = createSocket('udp4');
      onCleanup(() => socket.close());
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      const reply = once(socket, 'message') as Promise<[Buffer]>;
      socket.send(`datagram ${i}`, port, '127.0.0.1');
      expect((await reply)[0].toString()).toBe(`DATAGRAM ${i}`);
    }),
  );
}

/** A udp-server with --reuse-port on 127.0.0.1: on `port`, or on one the OS picks. */
function reusePortServer(port = 0, args: string[] = []): Promise<RunningServer> {
  return startServer('udp-server', [
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
  describe(`udp-server --reuse-port on Node ${process.versions.node} (built app)`, () => {
    it(
      'lets two independent servers bind one port, and the kernel gives datagrams to both',
      async () => {
        const first = await reusePortServer();
        const second = await reusePortServer(first.port);
        expect(second.port).toBe(first.port);

        await oneFromEach(first.port, 40);
        // 40 source ports hashed onto 2 sockets: all on one would be a 1 in 2^39 chance.
        await first.logs.waitFor('Received message from client');
        await second.logs.waitFor('Received message from client');
      },
      BUDGET_MS,
    );

    it(
      'gives each --workers worker a socket of its own on the port, and both get datagrams',
      async () => {
        // An independent server holds a port the workers can then share with it.
        const holder = await reusePortServer();
        const workers = await reusePortServer(holder.port, ['--workers', '2']);
        const listening = await workers.logs.waitForCount('Listening at', 2);
        expect(listening.map((line) => line.port)).toEqual([holder.port, holder.port]);
        expect((await holder.stop()).code).toBe(0);

        await oneFromEach(holder.port, 40);
        await workers.logs.waitFor('Received message from client', { worker: 1 });
        await workers.logs.waitFor('Received message from client', { worker: 2 });
      },
      BUDGET_MS,
    );

    it(
      'refuses --workers with --port 0 (each worker would bind a port of its own): exit 2',
      async () => {
        const exit = await runApp('udp-server', ['--port', '0', '--workers', '2', '--reuse-port']);
        expect(exit.code).toBe(2);
        expect(exit.stderr).toBe(
          'udp-server: --reuse-port with --workers needs a --port other than 0 (each worker binds its own socket, and would get a port of its own)\n',
        );
        expect(exit.stdout).toBe('');
      },
      BUDGET_MS,
    );
  });
} else {
  describe(`udp-server --reuse-port on Node ${process.versions.node} (built app)`, () => {
    it(
      'is a usage error naming the Node version needed: one line, exit 2, nothing bound',
      async () => {
        const exit = await runApp('udp-server', ['--port', '0', '--reuse-port']);
        expect(exit.code).toBe(2);
        expect(exit.stderr).toBe(
          `udp-server: --reuse-port needs Node 22.12 or later (this is Node ${process.versions.node})\n`,
        );
        expect(exit.stdout).toBe('');
      },
      BUDGET_MS,
    );

    it(
      'is refused from NETLAB_REUSE_PORT too',
      async () => {
        const exit = await runApp('udp-server', ['--port', '0'], '', {
          env: { ...process.env, NETLAB_REUSE_PORT: '1' },
        });
        expect(exit.code).toBe(2);
        expect(exit.stderr).toMatch(/^udp-server: --reuse-port needs Node 22\.12 or later/);
      },
      BUDGET_MS,
    );
  });
}
