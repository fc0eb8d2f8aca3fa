import { watchLoopStalls } from './loop-stalls';

describe('watchLoopStalls', () => {
  afterEach(() => jest.useRealTimers());

  it('adds up how much later than asked its timer ran, and counts a stall before the timer has run', () => {
    jest.useFakeTimers();
    let t = 0;
    const stalls = watchLoopStalls(50, () => t);
    t = 50;
    jest.advanceTimersByTime(50); // on time
    expect(stalls.lateMs()).toBe(0);
    t = 1_100; // the loop stalled for a second: the timer could not run
    expect(stalls.lateMs()).toBe(1_000);
    jest.advanceTimersByTime(50); // it runs now, a second late, and keeps the count
    expect(stalls.lateMs()).toBe(1_000);
    t = 1_150;
    jest.advanceTimersByTime(50);
    expect(stalls.lateMs()).toBe(1_000);
    stalls.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it("does not count a timer's jitter (up to 10 ms late) as a stall, however often", () => {
    jest.useFakeTimers();
    let t = 0;
    const stalls = watchLoopStalls(50, () => t);
    for (let turn = 1; turn <= 1_000; turn++) {
      t += 52; // 2 ms late each turn: an idle loop's timer, not a stall
      jest.advanceTimersByTime(50);
    }
    expect(stalls.lateMs()).toBe(0);
    t += 50 + 11; // 11 ms late: counted
    expect(stalls.lateMs()).toBe(11);
    stalls.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sees a real stall of this process (a busy loop of 300 ms) as at least 250 ms late', () => {
    const stalls = watchLoopStalls(50);
    const before = stalls.lateMs();
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // A handler that hogs the loop, as a busy core or a GC pause would.
    }
    // A busy machine can only make it later.
    expect(stalls.lateMs() - before).toBeGreaterThanOrEqual(250);
    stalls.stop();
  });
});
