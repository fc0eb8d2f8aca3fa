import { patiently } from './loop-lateness';

class TimedOut extends Error {}

/** A thread whose loop was late `lostPerAttempt[i]` ms during the i-th attempt. */
function lateThread(lostPerAttempt: number[]) {
  let late = 0;
  const waits: number[] = [];
  return {
    lateness: { lateMs: () => late },
    waits,
    attempt: async (ms: number): Promise<string> => {
      waits.push(ms);
      late += lostPerAttempt[waits.length - 1] ?? 0;
      throw new TimedOut(`no reply within ${ms} ms`);
    },
  };
}

const timedOut = (error: unknown) => error instanceof TimedOut;

describe('patiently: a wait that does not count the soak’s own lateness', () => {
  it('returns what the attempt gives, waiting the budget once', async () => {
    const waits: number[] = [];
    const result = await patiently(
      { lateMs: () => 0 },
      30_000,
      async (ms) => (waits.push(ms), 'reply'),
      timedOut,
    );
    expect(result).toBe('reply');
    expect(waits).toEqual([30_000]);
  });

  it('gives a timed-out wait the time its thread was late, until a wait times out on time', async () => {
    const thread = lateThread([12_000, 3_000, 50]);
    await expect(patiently(thread.lateness, 30_000, thread.attempt, timedOut)).rejects.toThrow(
      "no reply within 3000 ms (after 30000 ms and 15000 ms more: the soak's own lateness meanwhile)",
    );
    expect(thread.waits).toEqual([30_000, 12_000, 3_000]);
  });

  it('fails a wait at once when the thread kept up (under 100 ms late)', async () => {
    const thread = lateThread([99]);
    await expect(patiently(thread.lateness, 30_000, thread.attempt, timedOut)).rejects.toThrow(
      'no reply within 30000 ms',
    );
    expect(thread.waits).toEqual([30_000]);
  });

  it('rethrows anything but a timeout at once, however late the thread was', async () => {
    let late = 0;
    const ended = new Error('stream ended');
    const attempt = async (): Promise<never> => {
      late += 5_000;
      throw ended;
    };
    await expect(patiently({ lateMs: () => late }, 30_000, attempt, timedOut)).rejects.toBe(ended);
  });
});
