import { formatReply, formatRtt, formatSummary, PingLedger, rttSummary } from './ping-ledger';

describe('PingLedger', () => {
  it('counts the first reply while a ping waits, with its round trip', () => {
    const ledger = new PingLedger();
    ledger.sent(1, 100);
    expect(ledger.replied(1, 100.42)).toEqual({
      kind: 'reply',
      seq: 1,
      rttMs: expect.closeTo(0.42, 6),
    });
    expect(ledger.summary()).toMatchObject({ transmitted: 1, received: 1, lossPercent: 0 });
  });

  it('names a reply after the timeout late and keeps that ping lost', () => {
    const ledger = new PingLedger();
    ledger.sent(1, 0);
    expect(ledger.timedOut(1)).toBe(true);
    expect(ledger.replied(1, 1500)).toEqual({ kind: 'late', seq: 1, rttMs: 1500 });
    expect(ledger.summary()).toEqual({
      transmitted: 1,
      received: 0,
      late: 1,
      duplicates: 0,
      lossPercent: 100,
    });
  });

  it('names every further copy a duplicate, in time or late, and never counts it', () => {
    const ledger = new PingLedger();
    ledger.sent(1, 0);
    ledger.sent(2, 10);
    expect(ledger.replied(1, 1)?.kind).toBe('reply');
    expect(ledger.replied(1, 2)?.kind).toBe('duplicate');
    ledger.timedOut(2);
    expect(ledger.replied(2, 2000)?.kind).toBe('late');
    expect(ledger.replied(2, 2001)?.kind).toBe('duplicate');
    expect(ledger.summary()).toMatchObject({ received: 1, late: 1, duplicates: 2 });
  });

  it('never takes a reply to one ping for another', () => {
    const ledger = new PingLedger();
    ledger.sent(1, 0);
    ledger.sent(2, 1000);
    ledger.timedOut(1);
    // Ping 1's reply comes while ping 2 waits: it is ping 1's, late; ping 2 still waits.
    expect(ledger.replied(1, 1200)).toEqual({ kind: 'late', seq: 1, rttMs: 1200 });
    expect(ledger.waiting).toBe(1);
    expect(ledger.oldestWaiting()).toBe(2);
  });

  it('tells when a ping went out', () => {
    const ledger = new PingLedger();
    ledger.sent(4, 123.5);
    expect(ledger.sentAt(4)).toBe(123.5);
    expect(ledger.sentAt(5)).toBeUndefined();
  });

  it('ignores a reply to a ping never sent, and a timeout of an answered ping', () => {
    const ledger = new PingLedger();
    ledger.sent(1, 0);
    expect(ledger.replied(7, 1)).toBeUndefined();
    ledger.replied(1, 1);
    expect(ledger.timedOut(1)).toBe(false);
    expect(ledger.summary()).toMatchObject({ transmitted: 1, received: 1, late: 0 });
  });

  it('gives the loss rate of 3 answered pings out of 10 as 70%', () => {
    const ledger = new PingLedger();
    for (let seq = 1; seq <= 10; seq += 1) ledger.sent(seq, seq);
    for (const seq of [2, 5, 9]) ledger.replied(seq, seq + 1);
    for (let seq = 1; seq <= 10; seq += 1) ledger.timedOut(seq);
    expect(ledger.summary()).toMatchObject({ transmitted: 10, received: 3, lossPercent: 70 });
  });
});

describe('rttSummary', () => {
  it("gives min, avg, max and ping(8)'s mdev", () => {
    // mean 2, mean of squares (1 + 4 + 9) / 3 = 14/3, so mdev = sqrt(14/3 - 4) = sqrt(2/3).
    expect(rttSummary([1, 2, 3])).toEqual({
      min: 1,
      avg: 2,
      max: 3,
      mdev: expect.closeTo(Math.sqrt(2 / 3), 9),
    });
  });

  it('gives mdev 0 for equal times, never NaN', () => {
    expect(rttSummary([0.1, 0.1, 0.1]).mdev).toBe(0);
  });
});

describe('the lines printed', () => {
  it('reads as ping(8)', () => {
    expect(formatReply({ kind: 'reply', seq: 3, rttMs: 0.42 }, '127.0.0.1:12000', 1000)).toBe(
      'Reply from 127.0.0.1:12000: seq=3 time=0.420 ms',
    );
    expect(formatReply({ kind: 'late', seq: 3, rttMs: 1234.5 }, '127.0.0.1:12000', 1000)).toBe(
      'Late reply from 127.0.0.1:12000: seq=3 time=1235 ms (after the 1000 ms timeout: still counted as lost)',
    );
    expect(formatReply({ kind: 'duplicate', seq: 3, rttMs: 4.2 }, '[::1]:12000', 1000)).toBe(
      'Duplicate reply from [::1]:12000: seq=3 time=4.20 ms (DUP!: not counted)',
    );
  });

  it('gives each round trip the precision ping(8) does', () => {
    expect([0.0421, 0.42, 4.2, 42, 420].map(formatRtt)).toEqual([
      '0.042',
      '0.420',
      '4.20',
      '42.0',
      '420',
    ]);
  });

  it('sums up with transmitted, received, % packet loss and rtt min/avg/max/mdev', () => {
    expect(
      formatSummary(
        {
          transmitted: 3,
          received: 2,
          late: 1,
          duplicates: 2,
          lossPercent: 100 / 3,
          rtt: { min: 0.1, avg: 0.2, max: 0.3, mdev: 0.1 },
        },
        '127.0.0.1:12000',
      ),
    ).toEqual([
      '--- 127.0.0.1:12000 ping statistics ---',
      '3 packets transmitted, 2 received, 33.3% packet loss, 1 late, +2 duplicates',
      'rtt min/avg/max/mdev = 0.100/0.200/0.300/0.100 ms',
    ]);
  });

  it('has no rtt line when nothing came back', () => {
    expect(
      formatSummary(
        { transmitted: 2, received: 0, late: 0, duplicates: 0, lossPercent: 100 },
        'h:1',
      ),
    ).toEqual([
      '--- h:1 ping statistics ---',
      '2 packets transmitted, 0 received, 100% packet loss',
    ]);
  });
});
