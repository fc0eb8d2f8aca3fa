import { UdpUsageError } from './errors';
import { RateLimiter } from './rate-limiter';

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses until tokens refill at perSecond', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 3, maxSources: 10 }, time.now);
    expect([1, 2, 3, 4].map(() => limiter.allow('10.0.0.1'))).toEqual([true, true, true, false]);
    time.advance(100); // one token at 10 per second
    expect(limiter.allow('10.0.0.1')).toBe(true);
    expect(limiter.allow('10.0.0.1')).toBe(false);
  });

  it('counts each source separately', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 10 }, clock().now);
    expect(limiter.allow('10.0.0.1')).toBe(true);
    expect(limiter.allow('10.0.0.1')).toBe(false);
    expect(limiter.allow('10.0.0.2')).toBe(true);
  });

  it('never tracks more than maxSources, forgetting the least recently seen', () => {
    const time = clock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 2 }, time.now);
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
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 1000 }, time.now);
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
    const limiter = new RateLimiter({ perSecond: 10, burst: 10, maxSources: 100 }, time.now);
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
    const limiter = new RateLimiter({ perSecond: 100, burst: 2, maxSources: 1 }, time.now);
    time.advance(60_000);
    expect([1, 2, 3].map(() => limiter.allow('a'))).toEqual([true, true, false]);
  });

  it('rejects nonsense options at once', () => {
    expect(() => new RateLimiter({ perSecond: 0, burst: 1, maxSources: 1 })).toThrow(UdpUsageError);
    expect(() => new RateLimiter({ perSecond: 1, burst: 0, maxSources: 1 })).toThrow(UdpUsageError);
  });
});
