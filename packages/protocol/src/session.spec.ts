import fc from 'fast-check';
import { UnknownServiceError } from './errors';
import { parseHistory } from './history';
import {
  createSession,
  createTaskSession,
  createUppercaseSession,
  type ServiceName,
  type Session,
} from './session';

const replies = (session: Session, lines: readonly string[]) =>
  lines.map((line) => session.handle(line).reply);

describe('task session', () => {
  it.each([
    ['Hi', 2],
    ['Testing Connection', 18],
    ['héllo', 6],
    ['😀', 4],
    ['', 0],
    ['  padded  ', 10],
  ])('answers %p with "Your data was %i bytes"', (line, bytes) => {
    expect(createTaskSession().handle(line)).toEqual({
      reply: `Your data was ${bytes} bytes`,
      close: false,
    });
  });

  it('answers History with the earlier messages, oldest first', () => {
    const session = createTaskSession();
    replies(session, ['Hi', 'Testing Connection', 'héllo']);
    const { reply, close } = session.handle('History');
    expect(reply).toBe('History: ["Hi","Testing Connection","héllo"]');
    expect(close).toBe(false);
  });

  it('answers History with "History: []" before any message', () => {
    expect(createTaskSession().handle('History').reply).toBe('History: []');
  });

  it('leaves the History and Exit commands out of the history', () => {
    const session = createTaskSession();
    replies(session, ['one', 'History', ' history ', 'two']);
    expect(parseHistory(session.handle('HISTORY').reply)).toEqual(['one', 'two']);
  });

  it('remembers only the last 100 messages', () => {
    const session = createTaskSession();
    const messages = Array.from({ length: 150 }, (_, i) => `message ${i}`);
    replies(session, messages);
    expect(parseHistory(session.handle('History').reply)).toEqual(messages.slice(50));
  });

  it('answers History with the newest messages within historyLimit and historyMaxBytes, oldest first', () => {
    const message = fc
      .string({ maxLength: 6 })
      .filter((m) => !['exit', 'history'].includes(m.trim().toLowerCase()));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(message, { maxLength: 25 }),
        (historyLimit, historyMaxBytes, messages) => {
          const session = createTaskSession({ historyLimit, historyMaxBytes });
          replies(session, messages);
          // The plain rule: walk back from the newest while both limits allow (the newest
          // message always fits).
          const expected: string[] = [];
          let bytes = 0;
          for (let i = messages.length - 1; i >= 0 && expected.length < historyLimit; i--) {
            bytes += Buffer.byteLength(messages[i]);
            if (expected.length > 0 && bytes > historyMaxBytes) break;
            expected.unshift(messages[i]);
          }
          expect(parseHistory(session.handle('History').reply)).toEqual(expected);
        },
      ),
    );
  });

  it('keeps at most 16 KiB of messages by default, and the newest whatever its size', () => {
    const session = createTaskSession();
    const kilobyte = 'k'.repeat(1024);
    replies(
      session,
      Array.from({ length: 40 }, () => kilobyte),
    );
    expect(parseHistory(session.handle('History').reply)).toHaveLength(16);
    const big = 'b'.repeat(20_000);
    replies(session, [big]);
    expect(parseHistory(session.handle('History').reply)).toEqual([big]);
  });

  it('remembers as many messages as historyLimit says', () => {
    const session = createTaskSession({ historyLimit: 2 });
    replies(session, ['a', 'b', 'c']);
    expect(parseHistory(session.handle('History').reply)).toEqual(['b', 'c']);
  });

  it('remembers nothing with historyLimit 0', () => {
    const session = createTaskSession({ historyLimit: 0 });
    replies(session, ['a']);
    expect(session.handle('History').reply).toBe('History: []');
  });

  it('rejects a negative historyLimit with PROTOCOL_INVALID_OPTIONS', () => {
    expect(() => createTaskSession({ historyLimit: -1 })).toThrow(
      expect.objectContaining({ code: 'PROTOCOL_INVALID_OPTIONS' }),
    );
  });

  it('keeps a separate history for each session', () => {
    const first = createTaskSession();
    first.handle('secret');
    expect(createTaskSession().handle('History').reply).toBe('History: []');
  });

  it('answers Exit with "Disconnect" and a signal to close', () => {
    expect(createTaskSession().handle('Exit')).toEqual({ reply: 'Disconnect', close: true });
  });

  it.each(['exit', 'EXIT', '  Exit  ', '\tExit\r'])('treats %p as Exit', (line) => {
    expect(createTaskSession().handle(line)).toEqual({ reply: 'Disconnect', close: true });
  });

  it.each(['history', 'HISTORY', ' History\t'])('treats %p as History', (line) => {
    expect(createTaskSession().handle(line).reply).toBe('History: []');
  });

  it.each(['Exit now', 'Ex it', 'Historyx'])('treats %p as a plain message', (line) => {
    expect(createTaskSession().handle(line).reply).toMatch(/^Your data was \d+ bytes$/);
  });

  it('takes a line as a command exactly when, trimmed and lowercased, it is "exit" or "history"', () => {
    const padding = fc.constantFrom('', ' ', '\t', '  \u00a0', '\u2003');
    const near = fc
      .tuple(padding, fc.constantFrom('exit', 'history', 'exi', 'historyy', 'ex1t'), padding)
      .map(
        ([before, word, after]) =>
          before + [...word].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('') + after,
      );
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ unit: 'binary', maxLength: 12 })), (line) => {
        const reference = line.trim().toLowerCase();
        const reply = createTaskSession().handle(line);
        if (reference === 'exit') expect(reply).toEqual({ reply: 'Disconnect', close: true });
        else if (reference === 'history') expect(reply.reply).toBe('History: []');
        else expect(reply.reply).toMatch(/^Your data was \d+ bytes$/);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the UTF-8 bytes of any message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (line) => {
        fc.pre(!['exit', 'history'].includes(line.trim().toLowerCase()));
        const bytes = Buffer.from(line, 'utf8').length;
        expect(createTaskSession().handle(line).reply).toBe(`Your data was ${bytes} bytes`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('uppercase session', () => {
  it('answers a message uppercased', () => {
    expect(createUppercaseSession().handle('straße héllo')).toEqual({
      reply: 'STRASSE HÉLLO',
      close: false,
    });
  });

  it.each(['Exit', ' exit '])('answers %p with "Disconnect" and a signal to close', (line) => {
    expect(createUppercaseSession().handle(line)).toEqual({ reply: 'Disconnect', close: true });
  });

  it('has no History command', () => {
    expect(createUppercaseSession().handle('History').reply).toBe('HISTORY');
  });
});

describe('createSession', () => {
  it('makes the service it is named after', () => {
    expect(createSession('task').handle('Hi').reply).toBe('Your data was 2 bytes');
    expect(createSession('uppercase').handle('Hi').reply).toBe('HI');
  });

  it('passes the history limit to the task service', () => {
    const session = createSession('task', { historyLimit: 1 });
    replies(session, ['a', 'b']);
    expect(session.handle('History').reply).toBe('History: ["b"]');
  });

  it('throws PROTOCOL_UNKNOWN_SERVICE for another name', () => {
    expect(() => createSession('echo' as ServiceName)).toThrow(UnknownServiceError);
  });
});
