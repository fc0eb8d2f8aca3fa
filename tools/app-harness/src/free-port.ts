import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A port the OS just handed out on `host`, released for a program that takes its port from
 * its command line or a config file and reports none back (HAProxy, nginx, the textbook
 * Python servers), so it cannot be given port 0. Another process could take the port in
 * between; on a test machine that is rare, and the program then fails to start with a clear
 * message.
 */
export async function freePort(kind: 'tcp' | 'udp', host = '127.0.0.1'): Promise<number> {
  if (kind === 'tcp') {
    const server = createServer();
    server.listen(0, host);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const socket = createSocket('udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
