import {
  LineSocket,
  onCleanup,
  runCleanups,
  startServer,
  stopProcess,
} from '@netlab-tools/app-harness';
import type { RunningServer } from '@netlab-tools/app-harness';

// A server whose own event loop is late (a busy core, a long pause) must not blame a client
// for it: the bytes the client sent in time may wait in the kernel while the server does not
// run. SIGSTOP makes the server as late as a test wants, with the client's bytes arriving
// meanwhile; after SIGCONT a timer would run before the poll phase that reads them.

/**
 * The deadlines under test. Generous, because the test process itself must get from the
 * client's first bytes to the server's stop within it, on a machine that may be busy.
 */
const DEADLINE_MS = 3_000;
/** Past the deadline of bytes read just before the stop: overdue when the server wakes. */
const STOPPED_MS = DEADLINE_MS + 1_500;

afterEach(runCleanups);

/**
 * Stops the server process, runs `meanwhile` (the client's bytes reach the server's kernel),
 * keeps it stopped for STOPPED_MS in all, then lets it run on. Time has to pass here: that
 * the server sleeps through a deadline is the condition under test, not an event to await.
 */
async function stopServerFor(server: RunningServer, meanwhile: () => Promise<void>): Promise<void> {
  onCleanup(() => void server.child.kill('SIGCONT'));
  await stopProcess(server.child.pid ?? 0);
  const stoppedAt = Date.now();
  await meanwhile();
  await new Promise((resolve) => setTimeout(resolve, STOPPED_MS - (Date.now() - stoppedAt)));
  server.child.kill('SIGCONT');
}

describe('tcp-server (built app) stopped past a deadline while the client was on time', () => {
  it('answers a line whose second half arrived while the server was stopped past --line-deadline', async () => {
    const server = await startServer('tcp-server', ['--line-deadline', String(DEADLINE_MS)]);
    const client = await LineSocket.connect({ port: server.port });
    // The reply to Hi shows the server has read this chunk, the first half with it.
    await client.write('Hi\nTesting Con');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    await stopServerFor(server, () => client.write('nection\n'));
    expect(await client.readLine()).toBe('Your data was 18 bytes');
    await client.write('History\n');
    expect(await client.readLine()).toBe('History: ["Hi","Testing Connection"]');
  }, 60_000);

  it('still cuts a line that was not finished by then either (a slowloris), saying so', async () => {
    const server = await startServer('tcp-server', ['--line-deadline', String(DEADLINE_MS)]);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\nnever ');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    // More of the line arrives while the server is stopped, but never its end.
    await stopServerFor(server, () => client.write('finis'));
    expect(await client.readToEnd()).toEqual([`Error: line not finished within ${DEADLINE_MS} ms`]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'idle timeout',
      detail: 'line deadline',
    });
  }, 60_000);

  it('answers a line that arrived within --idle-timeout while the server was stopped past it', async () => {
    const server = await startServer('tcp-server', ['--idle-timeout', String(DEADLINE_MS)]);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    await stopServerFor(server, () => client.write('Testing Connection\n'));
    expect(await client.readLine()).toBe('Your data was 18 bytes');
  }, 60_000);

  it('still closes a client that sent nothing within --idle-timeout', async () => {
    const server = await startServer('tcp-server', ['--idle-timeout', String(DEADLINE_MS)]);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    await stopServerFor(server, async () => undefined);
    expect(await client.readToEnd()).toEqual([
      `Error: idle timeout (no data for ${DEADLINE_MS} ms)`,
    ]);
    expect(await server.logs.waitFor('Connection closed')).toMatchObject({
      reason: 'idle timeout',
      detail: 'idle',
    });
  }, 60_000);

  it('serves a balancer whose PROXY header arrived while the server was stopped past its deadline', async () => {
    const server = await startServer('tcp-server', [
      '--proxy-protocol',
      '--line-deadline',
      String(DEADLINE_MS),
    ]);
    const late = await LineSocket.connect({ port: server.port });
    // Connections are accepted in order: once the next one is served, the first was accepted
    // and its header deadline runs.
    const next = await LineSocket.connect({ port: server.port });
    await next.write('PROXY TCP4 198.51.100.21 127.0.0.1 40002 1060\r\nHi\n');
    expect(await next.readLine()).toBe('Your data was 2 bytes');
    await stopServerFor(server, () =>
      late.write('PROXY TCP4 198.51.100.20 127.0.0.1 40001 1060\r\nTesting Connection\n'),
    );
    expect(await late.readLine()).toBe('Your data was 18 bytes');
    expect(server.logs.find('PROXY header rejected')).toEqual([]);
  }, 60_000);

  it('answers in its drain a line that came before the SIGTERM on a connection it had not read yet', async () => {
    const server = await startServer('tcp-server');
    // Stopped, the server leaves the connection in its listen backlog, the line in the
    // kernel and the SIGTERM pending. Woken, it accepts the connection and handles the
    // signal in one loop turn, before the connection's first read.
    onCleanup(() => void server.child.kill('SIGCONT'));
    await stopProcess(server.child.pid ?? 0);
    const client = await LineSocket.connect({ port: server.port });
    await client.write('Hi\n');
    server.child.kill('SIGTERM');
    server.child.kill('SIGCONT');
    expect(await client.readLine()).toBe('Your data was 2 bytes');
    expect((await server.exited).code).toBe(0);
    expect(server.logs.find('Connection closed').map((line) => line.reason)).toEqual(['shutdown']);
  }, 60_000);
});
