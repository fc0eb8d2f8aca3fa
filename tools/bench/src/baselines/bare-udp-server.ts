// The hand-written node:dgram uppercase echo netlab's udp-server is measured against.
//
//   node bare-udp-server.js --host 127.0.0.1 --port 0

import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { printListeningLine } from './print-listening-line';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

const socket = dgram.createSocket(values.host!.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (msg, rinfo) => {
  socket.send(Buffer.from(msg.toString().toUpperCase()), rinfo.port, rinfo.address);
});
socket.bind(Number(values.port), values.host, () => {
  const address = socket.address();
  printListeningLine('udp', address.address, address.port);
});
process.on('SIGTERM', () => process.exit(0));
