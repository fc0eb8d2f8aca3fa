// The hand-written node:tls line server netlab's tcp-server with --tls-cert/--tls-key is
// measured against: the bare node:net baseline (bare-tcp-line-server.ts) with tls in place
// of net, and nothing else: decode each chunk, answer its complete lines in one write.
//
//   node bare-tls-line-server.js --host 127.0.0.1 --port 0 --service uppercase|task \
//     --cert server.crt --key server.key

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { printListeningLine } from './print-listening-line';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    service: { type: 'string', default: 'task' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
if (values.cert === undefined || values.key === undefined) {
  process.stderr.write('bare-tls-line-server: --cert FILE and --key FILE are required\n');
  process.exit(2);
}

const answer =
  values.service === 'uppercase'
    ? (line: string) => line.toUpperCase()
    : (line: string) => `Your data was ${Buffer.byteLength(line)} bytes`;

const options = { cert: readFileSync(values.cert), key: readFileSync(values.key) };
const server = tls.createServer(options, (socket) => {
  let tail = '';
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop()!;
    if (lines.length === 0) return;
    let replies = '';
    for (const line of lines)
      replies += answer(line.endsWith('\r') ? line.slice(0, -1) : line) + '\n';
    socket.write(replies);
  });
  socket.on('error', () => socket.destroy());
});
// A client that fails its handshake is no concern of a baseline's: it is dropped.
server.on('tlsClientError', (_error, socket) => socket.destroy());

server.listen(Number(values.port), values.host, () => {
  const address = server.address() as AddressInfo;
  printListeningLine('tcp', address.address, address.port);
});
process.on('SIGTERM', () => process.exit(0));
