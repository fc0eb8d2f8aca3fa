import { MIB, parseVmRss, readRss, RssSampler } from './process-memory';

describe('process memory', () => {
  it('reads VmRSS from a /proc status text, in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000000 kB\nVmRSS:\t   56320 kB\nRssAnon:\t 30000 kB\n';
    expect(parseVmRss(status)).toBe(56_320 * 1024);
  });

  it('says so when the status has no VmRSS line', () => {
    expect(() => parseVmRss('Name:\tnode\n')).toThrow('no "VmRSS: N kB" line');
  });

  it("reads this process's own RSS, the size ps shows", () => {
    const rss = readRss(process.pid);
    expect(rss).toBeGreaterThan(10 * MIB);
    expect(rss).toBeLessThan(4096 * MIB);
  });

  it('names the process when it cannot be read', () => {
    expect(() => readRss(2 ** 22 + 1)).toThrow(`cannot read the memory of process ${2 ** 22 + 1}`);
  });

  it('keeps the peak and the last sample', () => {
    const sampler = new RssSampler(process.pid, 60_000);
    const held = Buffer.alloc(64 * MIB, 1); // touched, so resident
    sampler.sample();
    const summary = sampler.stop();
    expect(summary.samples).toHaveLength(3);
    expect(summary.peak).toBe(Math.max(...summary.samples));
    expect(summary.peak - summary.samples[0]).toBeGreaterThan(32 * MIB);
    expect(summary.final).toBe(summary.samples[2]);
    expect(held[0]).toBe(1);
  });
});
