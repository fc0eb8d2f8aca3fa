// Many idle TCP connections, to read what they cost the server in resident memory. Each
// connection sends one line and waits for its (verified) reply before it falls idle, so
// the server has set up its whole per-connection state, not only accepted a socket.
// They are torn down with a reset: 10,000 orderly closes would leave 10,000 client ports
// in TIME_WAIT, and a few rounds of that would exhaust the ephemeral port range.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ErrorCollector } from './error-tally';
import type { IdleConnectionsJob, IdleConnectionsResult } from './job-types';
import { readRssBytes } from './proc-stats';
import { createRequestMaker, describeMismatch, replyRuleFor } from './request-content';
import { sleep } from './timing';

const REQUEST_CHARS = 31;
const CONNECT_TIMEOUT_MS = 10_000;

export async function runIdleConnections(job: IdleConnectionsJob): Promise<IdleConnectionsResult> {
  const errors = new ErrorCollector();
  const makeRequest = createRequestMaker(REQUEST_CHARS);
  const replyRule = replyRuleFor(job.service);
  const sockets: net.Socket[] = [];
  let closing = false;

  const openOne = (index: number) =>
    new Promise<void>((resolve) => {
      const request = makeRequest(`i${index}`, index);
      const expected = replyRule(request);
      const socket = net.createConnection({ host: job.host, port: job.port });
      let received = '';
      let settled = false;
      const settle = (error?: string) => {
        if (settled) return;
        settled = true;
        socket.setTimeout(0);
        if (error !== undefined) {
          errors.add(`connection ${index}: ${error}`);
          socket.destroy();
        } else {
          sockets.push(socket);
        }
        resolve();
      };
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => settle('no reply within 10 s'));
      socket.on('connect', () => socket.write(request + '\n'));
      socket.on('data', (chunk: Buffer) => {
        if (settled) return errors.add(`connection ${index}: data while idle`);
        received += chunk.toString('latin1');
        const end = received.indexOf('\n');
        if (end < 0) return;
        const reply = received.slice(0, end).replace(/\r$/, '');
        settle(reply === expected ? undefined : describeMismatch(expected, reply));
      });
      socket.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
      socket.on('close', () => {
        if (!settled) settle('closed before its reply');
        else if (!closing) errors.add(`connection ${index}: closed by the server while idle`);
      });
    });

  const serverRssBeforeBytes = readRssBytes(job.serverPid);
  const startedAt = performance.now();
  await forEachConcurrently(job.connections, job.connectConcurrency, openOne);
  const connectSeconds = (performance.now() - startedAt) / 1000;
  await sleep(job.settleMs);
  const serverRssBytes = readRssBytes(job.serverPid);
  const connections = sockets.filter((socket) => !socket.destroyed).length;

  closing = true;
  for (const socket of sockets) socket.resetAndDestroy();
  return {
    kind: 'idle-connections',
    connections,
    connectSeconds,
    serverRssBeforeBytes,
    serverRssBytes,
    ...errors.tally(),
  };
}

async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
