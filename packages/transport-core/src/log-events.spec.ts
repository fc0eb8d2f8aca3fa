import { CLOSE_REASON, LOG_EVENT } from './log-events';

describe('the log-event catalogue', () => {
  it('gives every event a message of its own', () => {
    const messages = Object.values(LOG_EVENT);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it("holds the contract's events with the SPEC's exact text", () => {
    expect(LOG_EVENT).toMatchObject({
      listening: 'Listening at',
      connectionAccepted: 'Connection accepted',
      messageReceived: 'Received message from client',
      connectionClosed: 'Connection closed',
      serverClosed: 'Server closed',
    });
  });

  it("holds the SPEC's close reasons, each once", () => {
    const reasons = Object.values(CLOSE_REASON);
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'exit',
        'client closed',
        'idle timeout',
        'line too long',
        'reset',
        'shutdown',
        'server busy',
      ]),
    );
  });
});
