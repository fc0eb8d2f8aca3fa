import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  LineSocket,
  LogCollector,
  onCleanup,
  runApp,
  runCleanups,
  startServer,
  Terminal,
  appMain,
  type LogLine,
  type RunningServer,
} from '@netlab-tools/app-harness';

/** A --workers 2 server on port 0, once both workers log `Listening at`. */
async function startTwoWorkers(args: string[] = []): Promise<{
  server: RunningServer;
  listening: LogLine[];
}> {
  const server = await startServer('tcp-server', [
    '--host',
    '127.0.0.1',
    '--workers',
    '2',
    ...args,
  ]);
  const listening = await server.logs.waitForCount('Listening at', 2);
  return { server, listening };
}

/** One connection: a line, its reply, then the client hangs up. */
async function exchange(port: number, line: string): Promise<string> {
  const client = await LineSocket.connect({ port });
  await client.write(`${line}\n`);
  const reply = await client.readLine();
  client.end();
  await client.closed;
  return reply;
}

/** The pid of the worker whose `Listening at` is `line`. */
function pidOf(line: LogLine): number {
  return Number(line.pid);
}

/** Whether a process runs (a zombie awaiting its reaper does not). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The pids among `pids` still running once they all stopped, or `timeoutMs` passed. An
 * orphaned worker gives no event of its exit to this process (it is not our child); it may
 * close its stdout a moment before it is gone, longer on a busy machine, so look again until
 * the deadline rather than once.
 */
async function stillRunningAfter(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let running = pids.filter(isRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    running = running.filter(isRunning);
  }
  return running;
}

afterEach(runCleanups);

describe('tcp-server --workers (built app)', () => {
  it('logs "Listening at" from workers 1 and 2, each its own process, on the same port the OS picked', async () => {
    const { server, listening } = await startTwoWorkers();
    expect(listening.map((line) => line.worker).sort()).toEqual([1, 2]);
    expect(new Set(listening.map(pidOf)).size).toBe(2);
    expect(listening.map((line) => line.port)).toEqual([server.port, server.port]);
    expect(server.port).toBeGreaterThan(0);
    expect(listening.map(pidOf)).not.toContain(server.child.pid);
    // The primary (worker 0) only supervises: it names each worker it started.
    // The primary gathers its log lines (50 ms at most): wait for both.
    await server.logs.waitForCount('Worker started', 2, { worker: 0 });
    expect(server.logs.find('Worker started', { worker: 0, pid: server.child.pid })).toEqual([
      expect.objectContaining({ child: { worker: 1, pid: expect.any(Number) } }),
      expect.objectContaining({ child: { worker: 2, pid: expect.any(Number) } }),
    ]);
  });

  it('spreads connections across both workers, and every log line says which worker wrote it', async () => {
    const { server } = await startTwoWorkers();
    for (let i = 0; i < 20; i++) {
      expect(await exchange(server.port, `message ${i}`)).toBe(
        `Your data was ${`message ${i}`.length} bytes`,
      );
    }
    await server.logs.waitForCount('Connection closed', 20);
    const accepted = server.logs.find('Connection accepted');
    expect(accepted).toHaveLength(20);
    const perWorker = new Map<unknown, number>();
    for (const line of accepted) perWorker.set(line.worker, (perWorker.get(line.worker) ?? 0) + 1);
    expect([...perWorker.keys()].sort()).toEqual([1, 2]);
    for (const line of server.logs.lines) {
      expect(line).toEqual(expect.objectContaining({ worker: expect.any(Number) }));
    }
  });

  it('serves connections made from the first worker listening until the other does', async () => {
    // startServer returns at the first `Listening at`. Connections keep coming until the
    // second worker has logged its own: it may be handed one in the same turn as its
    // 'listening' event, before listen() has marked it listening, and must serve it.
    const server = await startServer('tcp-server', ['--host', '127.0.0.1', '--workers', '2']);
    const lines: string[] = [];
    const replies: string[] = [];
    const bothListening = () => server.logs.find('Listening at').length === 2;
    for (let batch = 0; !bothListening() || batch < 2; batch++) {
      const sent = Array.from({ length: 40 }, (_, i) => `early ${batch}.${i}`);
      lines.push(...sent);
      replies.push(...(await Promise.all(sent.map((line) => exchange(server.port, line)))));
    }
    expect(replies).toEqual(lines.map((line) => `Your data was ${line.length} bytes`));
    await server.logs.waitForCount('Connection closed', lines.length);
    const reasons = server.logs.find('Connection closed').map((line) => line.reason);
    expect(reasons).toEqual(lines.map(() => 'client closed'));
  });

  it('keeps each session (History) with its connection, whichever worker serves it', async () => {
    const { server } = await startTwoWorkers();
    const clients = await Promise.all(
      [0, 1, 2, 3].map(() => LineSocket.connect({ port: server.port })),
    );
    for (const [i, client] of clients.entries()) await client.write(`from client ${i}\n`);
    for (const client of clients) await client.readLine();
    for (const client of clients) await client.write('History\n');
    expect(await Promise.all(clients.map((client) => client.readLine()))).toEqual([
      'History: ["from client 0"]',
      'History: ["from client 1"]',
      'History: ["from client 2"]',
      'History: ["from client 3"]',
    ]);
  });

  it('on SIGTERM drains every worker: answers what was sent, closes with "shutdown", logs "Server closed", exits 0', async () => {
    const { server } = await startTwoWorkers();
    // Round-robin: two connections in a row land on both workers.
    const clients = [
      await LineSocket.connect({ port: server.port }),
      await LineSocket.connect({ port: server.port }),
    ];
    for (const client of clients) await client.write('Hi\n');
    const received = await server.logs.waitForCount('Received message from client', 2);
    expect(received.map((line) => line.worker).sort()).toEqual([1, 2]);

    const exit = await server.stop('SIGTERM');
    expect(exit.code).toBe(0);
    for (const client of clients) {
      expect(await client.readToEnd()).toEqual(['Your data was 2 bytes']);
    }
    expect(
      server.logs
        .find('Connection closed', { reason: 'shutdown' })
        .map((line) => line.worker)
        .sort(),
    ).toEqual([1, 2]);
    expect(server.logs.find('Shutting down', { worker: 0 })).toEqual([
      expect.objectContaining({ signal: 'SIGTERM', graceMs: 5000 }),
    ]);
    expect(server.logs.find('Server closed').map((line) => line.worker)).toEqual(
      expect.arrayContaining([0, 1, 2]),
    );
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed', worker: 0, workers: 2 });
    expect(exit.stderr).toBe('');
  });

  it('on a second SIGTERM closes every worker at once, whatever the grace period', async () => {
    const { server } = await startTwoWorkers(['--grace', '600000']);
    // A client that never reads holds its worker's graceful stop.
    const stuck = await LineSocket.connect({ port: server.port }, { reading: false });
    await stuck.write(`${'m'.repeat(10_000)}\n${'History\n'.repeat(2000)}`);
    await server.logs.waitFor('Received message from client');
    server.child.kill('SIGTERM');
    await server.logs.waitFor('Shutting down', { worker: 0 });
    expect(await server.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(server.logs.find('Second signal: closing at once', { worker: 0 })).toHaveLength(1);
    expect(server.logs.lines.at(-1)).toMatchObject({ msg: 'Server closed', worker: 0 });
  });

  it('takes a SIGTERM to the whole process group (as systemd sends it) as one graceful stop', async () => {
    // Its own process group, so the signal reaches the primary and both workers at once.
    const child = spawn(
      process.execPath,
      [appMain('tcp-server'), '--host', '127.0.0.1', '--port', '0', '--workers', '2'],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-child.pid!, 'SIGKILL');
    });
    const logs = new LogCollector(child.stdout);
    const listening = await logs.waitForCount('Listening at', 2);
    const client = await LineSocket.connect({ port: Number(listening[0].port) });
    await client.write('Hi\n');
    await logs.waitFor('Received message from client');

    const closed = once(child, 'close');
    process.kill(-child.pid!, 'SIGTERM');
    expect(await closed).toEqual([0, null]);
    expect(await client.readToEnd()).toEqual(['Your data was 2 bytes']);
    expect(
      logs
        .find('Shutting down')
        .map((line) => line.worker)
        .sort(),
    ).toEqual([0, 1, 2]);
    // A worker that counted the signal and the primary's request as two would close at once.
    expect(logs.lines.filter((line) => /at once/.test(line.msg))).toEqual([]);
    expect(logs.find('Connection closed')).toEqual([
      expect.objectContaining({ reason: 'shutdown' }),
    ]);
  });

  it('replaces a killed worker (logged with its pid and signal) while the other serves on', async () => {
    const { server, listening } = await startTwoWorkers();
    const victim = listening[0];
    process.kill(pidOf(victim), 'SIGKILL');
    const exited = await server.logs.waitFor('Worker exited unexpectedly');
    expect(exited).toMatchObject({
      level: 50,
      worker: 0,
      child: { worker: victim.worker, pid: pidOf(victim) },
      signal: 'SIGKILL',
      restartInMs: 100,
    });
    // Meanwhile every connection goes to the worker still running.
    expect(await exchange(server.port, 'still served')).toBe('Your data was 12 bytes');

    const [, replacement] = await server.logs.waitForCount('Listening at', 2, {
      worker: victim.worker,
    });
    expect(pidOf(replacement)).not.toBe(pidOf(victim));
    expect(replacement.port).toBe(server.port);
    for (let i = 0; i < 4; i++)
      expect(await exchange(server.port, 'Hi')).toBe('Your data was 2 bytes');
  });

  it('backs off a worker that keeps dying: restarts after 100, 200, then 400 ms', async () => {
    const { server, listening } = await startTwoWorkers();
    const number = listening[0].worker;
    for (let kill = 1; kill <= 3; kill++) {
      const current = (await server.logs.waitForCount('Listening at', kill, { worker: number }))[
        kill - 1
      ];
      process.kill(pidOf(current), 'SIGKILL');
      await server.logs.waitForCount('Worker exited unexpectedly', kill);
    }
    expect(server.logs.find('Worker exited unexpectedly').map((line) => line.restartInMs)).toEqual([
      100, 200, 400,
    ]);
    // The other worker was never touched.
    const other = listening[1];
    expect(server.logs.find('Listening at', { worker: other.worker })).toHaveLength(1);
  });

  it('says the port is in use on one stderr line and exits 1, without restarting workers', async () => {
    const { server } = await startTwoWorkers();
    const second = await runApp('tcp-server', [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--workers',
      '2',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `tcp-server: could not listen on 127.0.0.1:${server.port}: address already in use\n`,
    );
    expect(second.stdout).not.toContain('Worker exited unexpectedly');
    expect(await exchange(server.port, 'Hi')).toBe('Your data was 2 bytes');
  });

  it('leaves no worker behind when the primary is killed: they exit, and the port is free again', async () => {
    const { server, listening } = await startTwoWorkers();
    const port = server.port;
    // exited resolves once stdout is closed by every process that holds it: the workers too.
    await server.stop('SIGKILL');
    expect(await stillRunningAfter(listening.map(pidOf), 30_000)).toEqual([]);
    const again = await startServer('tcp-server', ['--host', '127.0.0.1', '--port', String(port)]);
    expect(again.port).toBe(port);
  });

  it('stops once on Ctrl+C at a terminal, though the key reaches every process of the group', async () => {
    // JSON, to read each process's lines (at a terminal they would be human lines).
    const terminal = Terminal.runApp('tcp-server', [
      '--port',
      '0',
      '--workers',
      '2',
      '--log-format',
      'json',
    ]);
    await terminal.waitFor((screen) => screen.split('"Listening at"').length === 3);
    terminal.press('C-c');
    await terminal.waitFor((screen) => /"workers":2,"msg":"Server closed"/.test(screen));
    await terminal.waitFor(() => terminal.exitStatus() !== undefined);
    expect(terminal.exitStatus()).toBe(0);
    const lines = terminal
      .screen()
      .split('\n')
      .filter((text) => text.includes('{"level"'))
      // The terminal echoes the key as ^C at the start of the next line.
      .map((text) => JSON.parse(text.slice(text.indexOf('{'))) as LogLine);
    const stops = lines.filter((line) => line.msg === 'Shutting down');
    expect(stops.map((line) => line.worker).sort()).toEqual([0, 1, 2]);
    expect(stops.find((line) => line.worker === 0)).toMatchObject({ signal: 'SIGINT' });
    expect(lines.filter((line) => /at once/.test(line.msg))).toEqual([]);
  });
});
