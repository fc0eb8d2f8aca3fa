import { PassThrough } from 'node:stream';
import { ServerLog } from './server-log';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: 1, pid: 1, name: 'tcp-server', ...fields });

describe('ServerLog', () => {
  it('counts lines by message, "Received message from client" without parsing them', () => {
    const log = new ServerLog(new PassThrough());
    log.add(line({ msg: 'Listening at', transport: 'tcp', port: 1060 }));
    log.add(line({ connection: 1, bytes: 2, msg: 'Received message from client' }));
    log.add(line({ connection: 1, bytes: 5, msg: 'Received message from client' }));
    expect(log.count('Received message from client')).toBe(2);
    expect(log.count('Listening at')).toBe(1);
  });

  it("counts connections open by the server's own account, and close reasons with detail", () => {
    const log = new ServerLog(new PassThrough());
    log.add(line({ msg: 'Connection accepted', connection: 1 }));
    log.add(line({ msg: 'Connection accepted', connection: 2 }));
    log.add(line({ msg: 'Connection closed', connection: 1, reason: 'client closed' }));
    expect(log.openConnections).toBe(1);
    log.add(
      line({
        msg: 'Connection closed',
        connection: 2,
        reason: 'idle timeout',
        detail: 'stuck writer',
      }),
    );
    expect(log.openConnections).toBe(0);
    expect(Object.fromEntries(log.closeReasons)).toEqual({
      'client closed': 1,
      'idle timeout (stuck writer)': 1,
    });
  });

  it('keeps warnings, errors and lines that are not JSON (a stack trace), counting them all', () => {
    const log = new ServerLog(new PassThrough());
    log.add(JSON.stringify({ level: 40, msg: 'Accept failed', code: 'EMFILE' }));
    log.add('TypeError: boom');
    for (let i = 0; i < 30; i++) log.add(JSON.stringify({ level: 50, msg: 'Session failed' }));
    expect(log.troubleCount).toBe(32);
    expect(log.trouble).toHaveLength(20);
    expect(log.trouble.slice(0, 2)).toEqual([
      expect.objectContaining({ msg: 'Accept failed' }),
      'TypeError: boom',
    ]);
  });

  it('reads a stream line by line, and resolves waitUntil when a line makes it true', async () => {
    const stream = new PassThrough();
    const log = new ServerLog(stream);
    const listening = log.waitUntil(() => log.count('Listening at') > 0, 5000);
    stream.write(`${line({ msg: 'Listening at', port: 7 })}\n`);
    await expect(listening).resolves.toBe(true);
  });

  it('resolves waitUntil false when no line makes it true in time', async () => {
    const log = new ServerLog(new PassThrough());
    await expect(log.waitUntil(() => false, 10)).resolves.toBe(false);
  });

  it('sums the lines the server says it dropped, and does not count that warning as trouble', () => {
    const log = new ServerLog(new PassThrough());
    const dropped = (count: number) =>
      JSON.stringify({
        level: 40,
        time: 1,
        pid: 1,
        name: 'tcp-server',
        dropped: count,
        msg: 'Log lines dropped: stdout is not read fast enough',
      });
    log.add(dropped(300));
    log.add(dropped(25));
    log.add(line({ level: 40, msg: 'Accept failed' }));
    expect(log.droppedLines).toBe(325);
    expect(log.troubleCount).toBe(1);
  });
});
