// The hand-written node:net line server netlab's tcp-server is measured against: what a
// careful programmer writes in twenty lines. It answers every complete line in a chunk
// with one socket.write (the "batched writes" of issue 6), keeps the unfinished tail for
// the next chunk, and does nothing else: no limits, no logging, no Exit command.
//
//   node bare-tcp-line-server.js --host 127.0.0.1 --port 0 --service uppercase|task

import net from 'node:net';
import { parseArgs } from 'node:util';
import { printListeningLine } from './print-listening-line';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    service: { type: 'string', default: 'task' },
  },
});

const answer =
  values.service === 'uppercase'
    ? (line: string) => line.toUpperCase()
    : (line: string) => `Your data was ${Buffer.byteLength(line)} bytes`;

const server = net.createServer({ noDelay: true }, (socket) => {
  let tail = '';
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

server.listen(Number(values.port), values.host, () => {
  const address = server.address() as net.AddressInfo;
  printListeningLine('tcp', address.address, address.port);
});
process.on('SIGTERM', () => process.exit(0));
