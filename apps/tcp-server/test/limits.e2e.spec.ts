import { createFaultProxy } from '@netlab-tools/tcp-fault-proxy';
import {
  LineSocket,
  onCleanup,
  runCleanups,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';
import { wellBehavedClient } from './support/well-behaved-client';

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('tcp-server', args);
}

afterEach(runCleanups);

describe('tcp-server (built app): limits, each breach costing only the client that made it', () => {
  it('answers the lines before an over-long one, then says "Error: line too long (limit 16 bytes)" and closes', async () => {
    const server = await start(['--max-line-bytes', '16']);
    const good = await wellBehavedClient(server.port);
    await good.check();
    const client = await LineSocket.connect({ port: server.port });
    await client.write(`ok\n${'x'.repeat(17)}\nnever answered\n`);
    expect(await client.readToEnd()).toEqual([
      'Your data was 2 bytes',
      'Error: line too long (limit 16 bytes)',
    ]);
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'line too long',
    });
    await good.check();
    await good.checkHistory();
  });

  it('accepts a line of exactly --max-line-bytes', async () => {
    const server = await start(['--max-line-bytes', '16']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write(`${'é'.repeat(8)}\n`);
    expect(await client.readLine()).toBe('Your data was 16 bytes');
  });

  it('closes a connection whose line never ends at --line-deadline (slowloris), with one line saying so', async () => {
    const server = await start(['--line-deadline', '300']);
    const good = await wellBehavedClient(server.port);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('a line that never ends');
    await good.check();
    expect(await client.readToEnd()).toEqual(['Error: line not finished within 300 ms']);
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'line deadline',
    });
    await good.check();
    await good.checkHistory();
  });

  it('closes a connection silent for --idle-timeout, with one line saying so', async () => {
    const server = await start(['--idle-timeout', '300']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    expect(await client.readToEnd()).toEqual([
      'Your data was 2 bytes',
      'Error: idle timeout (no data for 300 ms)',
    ]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'idle timeout',
      detail: 'idle',
    });
  });

  it('stops reading from a client that never reads, closes it at --stuck-writer-timeout, and serves the others', async () => {
    const server = await start([
      '--max-pending-write-bytes',
      '65536',
      '--stuck-writer-timeout',
      '500',
    ]);
    const good = await wellBehavedClient(server.port);
    const stuck = await LineSocket.connect({ port: server.port }, { reading: false });
    // One 60 kB message makes every History reply 60 kB: 20,000 of them are 1.2 GB owed,
    // far more than the kernel's socket buffers can take off the server's hands (some 40 MB
    // here, 4 MiB sent and 32 MiB received at most; hosts that tune them up stay well short).
    void stuck.write(`${'m'.repeat(60_000)}\n${'History\n'.repeat(20_000)}`).catch(() => undefined);
    await server.logs.waitFor('Received message from client', { connection: 2 });
    await good.check();
    expect(await server.logs.waitFor('Connection closed', { connection: 2 })).toMatchObject({
      reason: 'idle timeout',
      detail: 'stuck writer',
    });
    // It was paused long before it got to the end of its requests. (Before a fix, it answered
    // every request it had read after giving up on the client: tcp-transport's limits test.)
    const answered = server.logs.find('Received message from client', { connection: 2 });
    expect(answered.length).toBeLessThan(20_001);
    await good.check();
    await good.checkHistory();
  });

  it('tells clients past --max-connections "Error: server busy" and closes them, serving the held ones', async () => {
    const server = await start(['--max-connections', '3']);
    const good = await wellBehavedClient(server.port);
    const held = await Promise.all([1, 2].map(() => LineSocket.connect({ port: server.port })));
    const flood = await Promise.all(
      Array.from({ length: 20 }, () => LineSocket.connect({ port: server.port })),
    );
    const refusals = await Promise.all(flood.map((client) => client.readToEnd()));
    expect(refusals).toEqual(flood.map(() => ['Error: server busy']));
    const busy = () => server.logs.find('Connection closed', { reason: 'server busy' });
    await server.logs.waitUntil(() => busy().length === 20);
    await good.check();
    for (const client of held) {
      await client.write('Hi\n');
      expect(await client.readLine()).toBe('Your data was 2 bytes');
    }
    await good.checkHistory();
  });

  it('lets a new client in once one of the held connections closes', async () => {
    const server = await start(['--max-connections', '1']);
    const first = await LineSocket.connect({ port: server.port });
    first.end();
    await server.logs.waitFor('Connection closed', { connection: 1 });
    const second = await wellBehavedClient(server.port);
    await second.check();
  });

  it('logs a client that resets in the middle of a reply as reason "reset", and serves the next client', async () => {
    const server = await start();
    const client = await LineSocket.connect({ port: server.port });
    await client.write(`${'m'.repeat(60_000)}\n`.repeat(20));
    await client.write('History\n'.repeat(20));
    await server.logs.waitFor('Received message from client', { bytes: 7 });
    client.socket.resetAndDestroy();
    expect(await server.logs.waitFor('Connection closed', { connection: 1 })).toMatchObject({
      reason: 'reset',
    });
    const next = await wellBehavedClient(server.port);
    await next.check();
  });

  it('serves on when a network resets the client in the middle of a reply', async () => {
    const server = await start();
    const proxy = createFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      resetAfterBytes: 30,
    });
    onCleanup(() => proxy.close());
    const { port } = await proxy.listen();
    const client = await LineSocket.connect({ port });
    let received = '';
    client.socket.on('data', (text: string) => (received += text));
    await client.write('Hi\nTesting Connection\nHistory\n');
    await client.closed;
    // The reply was cut after 30 bytes (the kernel may drop even those on the reset).
    const fullReply =
      'Your data was 2 bytes\nYour data was 18 bytes\nHistory: ["Hi","Testing Connection"]\n';
    expect(fullReply.startsWith(received)).toBe(true);
    expect(received.length).toBeLessThanOrEqual(30);
    await server.logs.waitFor('Connection closed', { connection: 1 });
    const next = await wellBehavedClient(server.port);
    await next.check();
  });

  it('serves 200 concurrent clients, each with its own history', async () => {
    const server = await start();
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => LineSocket.connect({ port: server.port })),
    );
    await server.logs.waitFor('Connection accepted', { connection: 200 });
    await Promise.all(
      clients.map((client, i) => client.write(`client ${i}\nsecond ${i}\nHistory\n`)),
    );
    const replies = await Promise.all(clients.map((client) => client.readLines(3)));
    replies.forEach((lines, i) => {
      expect(lines).toEqual([
        `Your data was ${Buffer.byteLength(`client ${i}`)} bytes`,
        `Your data was ${Buffer.byteLength(`second ${i}`)} bytes`,
        `History: ["client ${i}","second ${i}"]`,
      ]);
    });
  });
});
