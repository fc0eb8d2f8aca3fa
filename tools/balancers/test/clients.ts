import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { LineSocket, type LogLine, type RunningServer } from '@netlab-tools/app-harness';

/** What one raw TCP client saw: its own port (the address a server should log) and the reply. */
export interface TcpExchange {
  clientPort: number;
  line: string;
  reply: string;
}

/**
 * `count` plain TCP clients at once through `port`: each connects, sends one line of its
 * own, reads the reply, and hangs up.
 */
export function tcpClients(port: number, count: number, tag: string): Promise<TcpExchange[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const client = await LineSocket.connect({ port });
      const line = `${tag} client ${i}`;
      await client.write(`${line}\n`);
      const reply = await client.readLine();
      const clientPort = client.socket.localPort!;
      client.end();
      await client.closed;
      return { clientPort, line, reply };
    }),
  );
}

/**
 * `count` plain UDP clients at once to `port`, each from its own socket: one datagram, and
 * its reply (a client whose datagram went unanswered sends it again after `retryMs`, as
 * udp-client would, so a datagram to a killed server is not mistaken for a wrong answer).
 */
export function udpClients(
  port: number,
  count: number,
  tag: string,
  retryMs = 500,
): Promise<{ line: string; reply: string }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = createSocket('udp4');
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      const line = `${tag} datagram ${i}`;
      try {
        for (;;) {
          const reply = once(socket, 'message') as Promise<[Buffer]>;
          socket.send(line, port, '127.0.0.1');
          const answered = await Promise.race([
            reply.then(([data]) => data.toString()),
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), retryMs)),
          ]);
          if (answered !== undefined) return { line, reply: answered };
        }
      } finally {
        socket.close();
      }
    }),
  );
}

/** The `Received message from client` lines of a server, from clients other than the balancer's checks. */
export function clientMessages(server: RunningServer): LogLine[] {
  const messages = server.logs.find('Received message from client');
  return messages.filter((line) => !isHealthCheck(server, line.connection, messages));
}

/** What HAProxy's check sends (`tcp-check send "Hi\n"` in the template): 2 bytes. */
const CHECK_LINE_BYTES = 2;

/**
 * True for HAProxy's own health check: a PROXY LOCAL header (the server then logs the
 * balancer's address as both remote and proxy) and nothing but the check's one line. The
 * address alone is not enough: a relayed client's port on 127.0.0.1 can, by chance, equal
 * the port HAProxy's own connection to the server got, and then remote equals proxy too.
 */
function isHealthCheck(server: RunningServer, connection: unknown, messages: LogLine[]): boolean {
  const accepted = server.logs.find('Connection accepted', { connection })[0];
  if (!accepted?.proxy) return false;
  if (JSON.stringify(accepted.remote) !== JSON.stringify(accepted.proxy)) return false;
  const own = messages.filter((line) => line.connection === connection);
  return own.length === 1 && own[0].bytes === CHECK_LINE_BYTES;
}
