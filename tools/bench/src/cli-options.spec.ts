import { parseBenchArgs, UsageError } from './cli-options';
import type { BenchOptions } from './cli-options';

function run(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv);
  if (parsed.command !== 'run') throw new Error(`expected a run, got ${parsed.command}`);
  return parsed.options;
}

describe('parseBenchArgs', () => {
  it('runs every scenario, 3 rounds of 5 s, by default', () => {
    const options = run([]);
    expect(options.scenarios.length).toBeGreaterThan(6);
    expect(options).toMatchObject({ rounds: 3, durationMs: 5000, idleConnections: 10_000 });
  });

  it('--smoke: one short round of fewer scenarios and 200 idle connections', () => {
    const options = run(['--smoke']);
    expect(options).toMatchObject({ rounds: 1, durationMs: 1000, idleConnections: 200 });
    expect(options.scenarios.map((each) => each.name)).toContain('tcp-idle-rss');
  });

  it('--servers takes a family prefix', () => {
    expect(run(['--servers', 'bare']).servers).toEqual(['bare-tcp', 'bare-tls', 'bare-udp']);
    expect(run(['--servers', 'netlab-tcp']).servers).toEqual([
      'netlab-tcp',
      'netlab-tcp-info',
      'netlab-tcp-workers',
      'netlab-tcp-metrics',
    ]);
    expect(run(['--servers', 'python-udp']).servers).toEqual(['python-udp']);
  });

  it('--workers sets the processes of the -workers servers (2 by default)', () => {
    expect(run([]).workers).toBe(2);
    expect(run(['--workers', '4', '--scenarios', 'tcp-workers'])).toMatchObject({
      workers: 4,
      scenarios: [expect.objectContaining({ baseline: 'netlab-tcp' })],
    });
    expect(() => run(['--workers', '0'])).toThrow(/--workers: expected a whole number ≥ 1/);
  });

  it('names the flag and what it accepts in a usage error', () => {
    expect(() => run(['--scenarios', 'nope'])).toThrow(/--scenarios: unknown scenario "nope"/);
    expect(() => run(['--rounds', '0'])).toThrow(UsageError);
    expect(() => run(['--duration', 'soon'])).toThrow(/--duration: expected seconds/);
    expect(() => run(['--servers', 'nginx'])).toThrow(/--servers: no server/);
    expect(() => run(['--bogus'])).toThrow(UsageError);
  });
});
