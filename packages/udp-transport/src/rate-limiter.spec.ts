import { UdpUsageError } from './errors';
import { RateLimiter } from './rate-limiter';

function clock(): {
  now: () => number;
  lateMs: () => number;
  advance(ms: number): void;
  /** The server's loop is late for `ms`: time passes, and all of it is lateness. */
  stall(ms: number): void;
} {
  let t = 0;
  let late = 0;
  return {
    now: () => t,
    lateMs: () => late,
    advance: (ms) => (t += ms),
    stall: (ms) => {
      t += ms;
      late += ms;
    },
  };
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses until tokens refill at perSecond', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 3, maxSources: 10 }, time);
    expect([1, 2, 3, 4].map(() => limiter.allow('10.0.0.1'))).toEqual([true, true, true, false]);
    time.advance(100); // one token at 10 per second
    expect(limiter.allow('10.0.0.1')).toBe(true);
    expect(limiter.allow('10.0.0.1')).toBe(false);
  });

  it('counts each source separately', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 10 }, clock());
    expect(limiter.allow('10.0.0.1')).toBe(true);
    expect(limiter.allow('10.0.0.1')).toBe(false);
    expect(limiter.allow('10.0.0.2')).toBe(true);
  });

  it('never tracks more than maxSources, forgetting the least recently seen', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 2 }, time);
    limiter.allow('a');
    limiter.allow('b');
    limiter.allow('a'); // a is now the most recent; b the oldest
    limiter.allow('c'); // evicts b
    expect(limiter.trackedSources).toBe(2);
    expect(limiter.allow('a')).toBe(false); // still remembered, still empty
    expect(limiter.allow('b')).toBe(true); // forgotten, so it starts full
  });

  it('tracks at most maxSources however many spoofed sources flood it, each answered once then limited', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 1000 }, time);
    let largest = 0;
    let allowed = 0;
    for (let i = 0; i < 100_000; i++) {
      if (limiter.allow(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)) allowed++;
      largest = Math.max(largest, limiter.trackedSources);
      time.advance(0.01);
    }
    expect(allowed).toBe(100_000);
    expect(largest).toBe(1000);
    // The last 1000 sources are still remembered, with their buckets empty.
    expect(limiter.allow('10.1.134.159')).toBe(false); // source 99,999
  });

  it('keeps limiting a flooding source while fewer than maxSources others are seen', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 100 }, time);
    let allowed = 0;
    // A datagram every millisecond for 10 seconds (10,001 of them, 0 ms to 10,000 ms).
    for (let i = 0; i <= 10_000; i++) {
      if (limiter.allow('192.0.2.1')) allowed++;
      limiter.allow(`198.51.100.${i % 50}`); // 50 other sources, all remembered
      time.advance(1);
    }
    expect(allowed).toBe(10 + 10 * 10); // the burst, then 10 a second
  });

  it('does not refill beyond burst', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 100, burst: 2, maxSources: 1 }, time);
    time.advance(60_000);
    expect([1, 2, 3].map(() => limiter.allow('a'))).toEqual([true, true, false]);
  });

  it("takes the backlog of a stalled server from a steady source as that source's pace, not a burst", () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 10 }, time);
    expect(limiter.allow('a')).toBe(true);
    // The source sends 5 a second (half its limit) while the server is stopped for 4 s: 20
    // datagrams wait in the kernel and are read in one go when it runs again.
    time.stall(4_000);
    const backlog = Array.from({ length: 20 }, () => limiter.allow('a'));
    expect(backlog.filter(Boolean)).toHaveLength(20);
  });

  it('keeps the larger bucket when the loop is late again, a little, while it reads the backlog', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 10 }, time);
    expect(limiter.allow('a')).toBe(true);
    time.stall(4_000);
    const backlog = Array.from({ length: 5 }, () => limiter.allow('a'));
    time.stall(1); // a timer ran between two reads of the backlog, a millisecond late
    backlog.push(...Array.from({ length: 15 }, () => limiter.allow('a')));
    expect(backlog.filter(Boolean)).toHaveLength(20);
  });

  it('still holds a source to burst plus perSecond over the stall, and to burst once the backlog is read', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 10 }, time);
    limiter.allow('a'); // 9 tokens left
    time.stall(4_000); // 40 more came in: the bucket may hold 10 + 40 for 4 s
    const first = Array.from({ length: 60 }, () => limiter.allow('a')).filter(Boolean).length;
    expect(first).toBe(49);
    // Unused, the stall's larger bucket lasts as long as the stall did; then burst again.
    time.advance(4_000);
    const later = Array.from({ length: 60 }, () => limiter.allow('a')).filter(Boolean).length;
    expect(later).toBe(10);
  });

  it('gives nothing for time the server was on time, however long', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 10 }, time);
    limiter.allow('a');
    time.advance(4_000);
    expect(Array.from({ length: 60 }, () => limiter.allow('a')).filter(Boolean)).toHaveLength(10);
  });

  it('rejects nonsense options at once', () => {
    expect(() => new RateLimiter({ perSecond: 0, burst: 1, maxSources: 1 })).toThrow(UdpUsageError);
    expect(() => new RateLimiter({ perSecond: 1, burst: 0, maxSources: 1 })).toThrow(UdpUsageError);
  });
});
