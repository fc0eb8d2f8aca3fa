import { LineSocket, runCleanups, startServer } from '@netlab-tools/app-harness';

afterEach(runCleanups);

describe('tcp-server --proxy-protocol (built app)', () => {
  it('serves the line after a PROXY header and logs the client it names, with the balancer as proxy', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1', '--proxy-protocol']);
    const balancer = await LineSocket.connect({ port: server.port });
    await balancer.write('PROXY TCP4 198.51.100.20 127.0.0.1 40001 1060\r\nTesting Connection\n');
    expect(await balancer.readLine()).toBe('Your data was 18 bytes');
    expect(await server.logs.waitFor('Connection accepted')).toMatchObject({
      remote: { address: '198.51.100.20', port: 40001 },
      proxy: { address: '127.0.0.1', port: balancer.socket.localPort },
    });
    expect((await server.logs.waitFor('Received message from client')).remote).toEqual({
      address: '198.51.100.20',
      port: 40001,
    });
  });

  it('tells a client without a header what the port expects, logs a warning and closes it', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1', '--proxy-protocol']);
    const plain = await LineSocket.connect({ port: server.port });
    await plain.write('Hi\n');
    expect(await plain.readToEnd()).toEqual(['Error: PROXY protocol header expected']);
    expect(await server.logs.waitFor('PROXY header rejected')).toMatchObject({ level: 40 });
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'reset',
      detail: 'proxy header',
    });
  });

  it('without the flag answers a PROXY line as any other line', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('PROXY TCP4 198.51.100.20 127.0.0.1 40001 1060\r\n');
    expect(await client.readLine()).toBe('Your data was 45 bytes');
  });
});
