import { ChatRoom } from './chat';

/** A connection that keeps what it was sent. */
function inbox(): { lines: string[]; send(line: string): boolean } {
  const lines: string[] = [];
  return { lines, send: (line) => lines.push(line) > 0 };
}

describe('ChatRoom', () => {
  it('relays a line to every other member as "<name>: <line>", not back to its sender', () => {
    const room = new ChatRoom();
    const [a, b, c] = [inbox(), inbox(), inbox()];
    const alice = room.join('127.0.0.1:5001', a);
    room.join('127.0.0.1:5002', b);
    room.join('[::1]:5003', c);
    expect(alice.handle('hello all')).toEqual({ close: false });
    expect(a.lines).toEqual([]);
    expect(b.lines).toEqual(['127.0.0.1:5001: hello all']);
    expect(c.lines).toEqual(['127.0.0.1:5001: hello all']);
  });

  it('answers Exit (any case, spaces around) with Disconnect and close, and relays nothing more to that member', () => {
    const room = new ChatRoom();
    const [a, b] = [inbox(), inbox()];
    const alice = room.join('a', a);
    const bob = room.join('b', b);
    expect(alice.handle('  eXit ')).toEqual({ reply: 'Disconnect', close: true });
    expect(room.size).toBe(1);
    bob.handle('anyone?');
    expect(a.lines).toEqual([]);
    expect(b.lines).toEqual([]);
  });

  it('drops a member whose connection closed, so no line is pushed at it again', () => {
    const room = new ChatRoom();
    const [a, b] = [inbox(), inbox()];
    const alice = room.join('a', a);
    const bob = room.join('b', b);
    bob.closed();
    bob.closed();
    alice.handle('still there?');
    expect(b.lines).toEqual([]);
    expect(room.size).toBe(1);
  });

  it('relays empty lines and lines that look like commands of other services', () => {
    const room = new ChatRoom();
    const b = inbox();
    const alice = room.join('a', inbox());
    room.join('b', b);
    alice.handle('');
    alice.handle('History');
    expect(b.lines).toEqual(['a: ', 'a: History']);
  });
});
