#!/usr/bin/env node
// Chat fan-out rate: how many lines a second tcp-server --service chat delivers to N
// listening clients. One sender says LINES lines; each goes to every listener; the rate is
// deliveries (LINES x N) over the time from the first line sent to the last line received.
// A measurement, not a test: run it by hand (see README.md beside this file).
//
// Usage: node tools/chat-fanout/chat-fanout.mjs [--clients 10,100] [--lines 20000]
//          [--bytes 64] [--window 500]
// The sender keeps at most --window lines not yet received by every listener, so no
// listener falls behind the server's pending-write budget (which would cut it off).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const SERVER = 'dist/apps/tcp-server/main.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10,100' },
    lines: { type: 'string', default: '20000' },
    bytes: { type: 'string', default: '64' },
    window: { type: 'string', default: '500' },
  },
});
const clientCounts = values.clients.split(',').map(Number);
const lineCount = Number(values.lines);
const lineBytes = Number(values.bytes);
const window = Number(values.window);
if (![...clientCounts, lineCount, lineBytes, window].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('chat-fanout: --clients, --lines, --bytes and --window take positive integers');
  process.exit(2);
}
if (!existsSync(SERVER)) {
  console.error(`chat-fanout: ${SERVER} is missing: run npx nx build tcp-server first`);
  process.exit(2);
}

/** Starts tcp-server --service chat on a free port; resolves with it and its port. */
async function startServer() {
  const server = spawn(
    process.execPath,
    [
      SERVER,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--service',
      'chat',
      '--log-level',
      'warn',
      '--max-connections',
      '100000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  server.stdout.setEncoding('utf8');
  const port = await new Promise((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`tcp-server exited (${code}) before listening`)));
    server.stdout.on('data', (chunk) => {
      output += chunk;
      let end;
      while ((end = output.indexOf('\n')) >= 0) {
        const line = JSON.parse(output.slice(0, end));
        output = output.slice(end + 1);
        if (line.msg === 'Listening at') resolve(line.port);
      }
    });
  });
  return { server, port };
}

/** A member of the room that counts the lines it receives. */
async function listener(port) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  const member = { socket, received: 0, wake: undefined, cut: false };
  socket.on('data', (chunk) => {
    let at = -1;
    while ((at = chunk.indexOf(10, at + 1)) >= 0) member.received += 1;
    member.wake?.();
  });
  // The server closed it: a listener that fell behind its pending-write budget is cut off.
  socket.on('close', () => {
    member.cut = !member.done;
    member.wake?.();
  });
  socket.on('error', () => undefined);
  return member;
}

/** Resolves once every listener has received at least `count` lines. */
async function allReceived(listeners, count) {
  for (const member of listeners) {
    while (member.received < count) {
      if (member.cut) {
        throw new Error(
          'the server cut off a listener that fell behind (slow reader): try a smaller --window',
        );
      }
      await new Promise((resolve) => (member.wake = resolve));
    }
    member.wake = undefined;
  }
}

async function measure(port, clients) {
  const sender = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(sender, 'connect');
  const listeners = [];
  for (let i = 0; i < clients; i++) listeners.push(await listener(port));
  // Everyone is in the room once a line from the sender has reached every listener (one that
  // connected a moment ago may not be in yet: say it again until all have heard it).
  const warmUp = setInterval(() => sender.write('warm-up\n'), 50);
  sender.write('warm-up\n');
  await allReceived(listeners, 1);
  clearInterval(warmUp);
  // Warm-up lines still on their way would count as measured ones: let them land first.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const member of listeners) member.received = 0;

  const line = `${'m'.repeat(lineBytes - 1)}\n`;
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < lineCount;) {
    const batch = Math.min(window, lineCount - sent);
    if (!sender.write(line.repeat(batch))) await once(sender, 'drain');
    sent += batch;
    // Keep at most one window in flight: wait for the previous one to be everywhere.
    await allReceived(listeners, sent - batch);
  }
  await allReceived(listeners, lineCount);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const member of listeners) {
    member.done = true;
    member.socket.destroy();
  }
  sender.destroy();
  return { clients, seconds, deliveries: lineCount * clients };
}

const { server, port } = await startServer();
console.log(
  `chat fan-out: ${lineCount} lines of ${lineBytes} bytes from one sender, window ${window} lines, node ${process.version}`,
);
console.log('listeners  seconds  lines/s sent  lines/s delivered');
try {
  for (const clients of clientCounts) {
    const { seconds, deliveries } = await measure(port, clients);
    console.log(
      `${String(clients).padStart(9)}  ${seconds.toFixed(2).padStart(7)}  ${Math.round(
        lineCount / seconds,
      )
        .toLocaleString('en')
        .padStart(12)}  ${Math.round(deliveries / seconds)
        .toLocaleString('en')
        .padStart(17)}`,
    );
  }
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
}
