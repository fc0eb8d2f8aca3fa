// The native load generator checks every reply: compiled here with the machine's gcc (as
// run.sh does) and run against small servers on loopback, one answering as netlab's
// services must and one echoing the requests back unchanged.

import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult, TcpLoadJob, UdpLoadJob } from './job-types';
import { runNativeGenerator } from './native-generator';

const SOURCE = path.join(__dirname, '..', 'native', 'load-generator.c');
/** gcc and a loaded machine: seconds. A run below: 0.3 s of load plus start and drain. */
const BUDGET_MS = 60_000;

let directory: string;
let binary: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'netlab-generator-'));
  binary = path.join(directory, 'load-generator');
  await promisify(execFile)('gcc', ['-O2', '-o', binary, SOURCE, '-lssl', '-lcrypto']);
}, BUDGET_MS);

afterAll(() => rm(directory, { recursive: true, force: true }));

const timing = { warmupMs: 100, durationMs: 300 };

/** A line server on loopback answering each complete line with `answer(line)`. */
async function lineServer(answer: (line: string) => string) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let tail = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop()!;
      if (lines.length > 0) socket.write(lines.map((line) => `${answer(line)}\n`).join(''));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port: (server.address() as net.AddressInfo).port, close };
}

async function loadTcp(answer: (line: string) => string, service: 'uppercase' | 'task') {
  const server = await lineServer(answer);
  try {
    const job: TcpLoadJob = {
      kind: 'tcp-load',
      host: '127.0.0.1',
      port: server.port,
      serverPid: process.pid,
      service,
      connections: 3,
      inFlight: 8,
      lineBytes: 32,
      pauseMicros: 100,
      drainTimeoutMs: 2_000,
      ...timing,
    };
    return await runNativeGenerator(binary, job, BUDGET_MS);
  } finally {
    await server.close();
  }
}

async function loadUdp(answer: (datagram: string) => string): Promise<LoadResult> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) =>
    socket.send(answer(message.toString('latin1')), peer.port, peer.address),
  );
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const job: UdpLoadJob = {
      kind: 'udp-load',
      host: '127.0.0.1',
      port: socket.address().port,
      serverPid: process.pid,
      sockets: 2,
      inFlight: 4,
      datagramBytes: 32,
      pauseMicros: 100,
      lossTimeoutMs: 1_000,
      ...timing,
    };
    return await runNativeGenerator(binary, job, BUDGET_MS);
  } finally {
    await new Promise<void>((resolve) => socket.close(resolve));
  }
}

describe('the native load generator', () => {
  it(
    'counts the right TCP replies and no errors',
    async () => {
      const result = await loadTcp((line) => line.toUpperCase(), 'uppercase');
      expect(result.errors).toBe(0);
      expect(result.messages).toBeGreaterThan(0);
      expect(result.latencyMicros.samples).toBe(result.messages);
    },
    BUDGET_MS,
  );

  it(
    'counts a TCP reply that is not the uppercase of its request as an error, with the two shown',
    async () => {
      const result = await loadTcp((line) => line, 'uppercase');
      expect(result.messages).toBe(0);
      expect(result.errors).toBeGreaterThan(0);
      // The samples came through JSON intact: quotes in them are escaped, not cut short.
      expect(result.errorSamples[0]).toMatch(
        /^connection \d: expected 'C\d-0:[A-Z]+', got 'c\d-0:[a-z]+'$/,
      );
    },
    BUDGET_MS,
  );

  it(
    "checks the task service's reply by its byte count",
    async () => {
      const right = await loadTcp((line) => `Your data was ${line.length} bytes`, 'task');
      expect(right.errors).toBe(0);
      expect(right.messages).toBeGreaterThan(0);
      const wrong = await loadTcp((line) => `Your data was ${line.length + 1} bytes`, 'task');
      expect(wrong.messages).toBe(0);
      expect(wrong.errorSamples[0]).toContain(
        "expected 'Your data was 31 bytes', got 'Your data was 32 bytes'",
      );
    },
    BUDGET_MS,
  );

  it(
    'matches UDP replies to their requests and counts a wrong one as an error',
    async () => {
      const right = await loadUdp((datagram) => datagram.toUpperCase());
      expect(right.errors).toBe(0);
      expect(right.messages).toBeGreaterThan(0);
      const wrong = await loadUdp((datagram) => datagram.toLowerCase());
      expect(wrong.messages).toBe(0);
      expect(wrong.errors).toBeGreaterThan(0);
    },
    BUDGET_MS,
  );
});
