import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { WaitAbortedError, waitForEvent } from './wait-for-event';

describe('waitForEvent', () => {
  it("resolves with the event's arguments and leaves no listener behind", async () => {
    const emitter = new EventEmitter();
    const waiting = waitForEvent(emitter, 'ready');
    emitter.emit('ready', 1, 'two');
    expect(await waiting).toEqual([1, 'two']);
    expect(emitter.listenerCount('ready') + emitter.listenerCount('error')).toBe(0);
  });

  it("rejects with the emitter's error when 'error' comes first", async () => {
    const emitter = new EventEmitter();
    const waiting = waitForEvent(emitter, 'ready');
    emitter.emit('error', new Error('EADDRINUSE'));
    await expect(waiting).rejects.toThrow('EADDRINUSE');
    expect(emitter.listenerCount('ready') + emitter.listenerCount('error')).toBe(0);
  });

  it('rejects with WaitAbortedError carrying the reason when the signal fires first, or had fired', async () => {
    const emitter = new EventEmitter();
    const controller = new AbortController();
    const waiting = waitForEvent(emitter, 'ready', controller.signal);
    controller.abort('stop');
    await expect(waiting).rejects.toMatchObject({ name: 'WaitAbortedError', cause: 'stop' });
    await expect(waitForEvent(emitter, 'ready', controller.signal)).rejects.toBeInstanceOf(
      WaitAbortedError,
    );
    expect(emitter.listenerCount('ready') + emitter.listenerCount('error')).toBe(0);
  });

  it("waits for a real server's 'listening', and reports a port in use as its error", async () => {
    const first = createServer();
    const listening = waitForEvent(first, 'listening');
    first.listen(0, '127.0.0.1');
    await listening;
    const { port } = first.address() as { port: number };
    const second = createServer();
    const failed = waitForEvent(second, 'listening');
    second.listen(port, '127.0.0.1');
    await expect(failed).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise((resolve) => first.close(resolve));
  });
});
