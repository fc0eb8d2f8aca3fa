import fc from 'fast-check';
import { backoffCeiling, fullJitterDelay } from './backoff';

const policy = { initialDelayMs: 100, maxDelayMs: 5_000 };

describe('backoffCeiling', () => {
  it('doubles from the first delay: 100, 200, 400, 800 ms', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffCeiling(attempt, policy))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it('stops at maxDelayMs, even after a thousand attempts', () => {
    expect(backoffCeiling(7, policy)).toBe(5_000);
    expect(backoffCeiling(1_000_000, policy)).toBe(5_000);
  });
});

describe('fullJitterDelay', () => {
  it('is 0 when the random source gives 0, and the ceiling when it gives its largest value', () => {
    expect(fullJitterDelay(3, policy, () => 0)).toBe(0);
    expect(fullJitterDelay(3, policy, () => 0.999_999_9)).toBe(400);
  });

  it('spreads over the window: a draw of 0.5 is half the ceiling', () => {
    expect(fullJitterDelay(4, policy, () => 0.5)).toBe(400);
  });

  it('stays within [0, ceiling] whatever the source gives, even out of range', () => {
    expect(fullJitterDelay(2, policy, () => 1)).toBe(200);
    expect(fullJitterDelay(2, policy, () => -3)).toBe(0);
  });

  it('stays within [0, min(maxDelayMs, initialDelayMs * 2^(attempt-1))] for any policy and draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialDelayMs, extra, attempt, draw) => {
          const bounds = { initialDelayMs, maxDelayMs: initialDelayMs + extra };
          const delay = fullJitterDelay(attempt, bounds, () => draw);
          const ceiling = Math.min(bounds.maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
          return Number.isInteger(delay) && delay >= 0 && delay <= ceiling;
        },
      ),
    );
  });
});
