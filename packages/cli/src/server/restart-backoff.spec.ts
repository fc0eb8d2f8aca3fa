import { HEALTHY_AFTER_MS, MAX_RESTART_DELAY_MS, RestartBackoff } from './restart-backoff';

describe('RestartBackoff', () => {
  it('doubles the pause with each crash in a row: 100, 200, 400, 800 ms', () => {
    const backoff = new RestartBackoff();
    expect([50, 50, 50, 50].map((livedMs) => backoff.next(livedMs))).toEqual([100, 200, 400, 800]);
  });

  it('never waits more than 10 s, however long the crash loop', () => {
    const backoff = new RestartBackoff();
    const pauses = Array.from({ length: 100 }, () => backoff.next(0));
    expect(pauses.slice(7, 10)).toEqual([
      MAX_RESTART_DELAY_MS,
      MAX_RESTART_DELAY_MS,
      MAX_RESTART_DELAY_MS,
    ]);
    expect(Math.max(...pauses)).toBe(MAX_RESTART_DELAY_MS);
    expect(pauses.at(-1)).toBe(MAX_RESTART_DELAY_MS);
  });

  it('starts over at 100 ms after a worker that ran 10 s (healthy) dies', () => {
    const backoff = new RestartBackoff();
    for (let i = 0; i < 6; i++) backoff.next(10);
    expect(backoff.next(HEALTHY_AFTER_MS)).toBe(100);
    expect(backoff.next(10)).toBe(200);
  });

  it('keeps counting for a worker that died just short of healthy', () => {
    const backoff = new RestartBackoff();
    backoff.next(0);
    expect(backoff.next(HEALTHY_AFTER_MS - 1)).toBe(200);
  });
});
