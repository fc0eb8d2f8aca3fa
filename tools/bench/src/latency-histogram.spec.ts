import fc from 'fast-check';
import { LatencySamples, median } from './latency-histogram';

describe('LatencySamples', () => {
  it('takes nearest-rank percentiles: p50 of 1..100 is 50, p99 is 99, p999 is 100', () => {
    const samples = new LatencySamples();
    for (let value = 100; value >= 1; value--) samples.record(value);
    expect(samples.summary()).toEqual({ samples: 100, p50: 50, p99: 99, p999: 100, max: 100 });
  });

  it('grows past its initial capacity without losing a sample', () => {
    const samples = new LatencySamples();
    for (let i = 0; i < 200_000; i++) samples.record(i % 1000);
    expect(samples.size).toBe(200_000);
    expect(samples.percentile(1)).toBe(999);
  });

  it('answers NaN when nothing was recorded', () => {
    expect(new LatencySamples().percentile(0.5)).toBeNaN();
  });

  it('refuses a fraction outside (0, 1]', () => {
    expect(() => new LatencySamples().percentile(0)).toThrow(RangeError);
    expect(() => new LatencySamples().percentile(1.5)).toThrow(RangeError);
  });

  it('agrees with a sorted copy for any samples, recorded before and after a query', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true })),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (first, second, fraction) => {
          const samples = new LatencySamples();
          first.forEach((value) => samples.record(value));
          samples.percentile(0.5);
          second.forEach((value) => samples.record(value));
          const sorted = [...first, ...second].sort((a, b) => a - b);
          expect(samples.percentile(fraction)).toBe(
            sorted[Math.ceil(fraction * sorted.length) - 1],
          );
        },
      ),
    );
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores values that are not finite, and is NaN for none', () => {
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});
