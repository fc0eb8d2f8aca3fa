import type { Measurement, RunRecord } from './runner';
import { summarizeRun } from './report';
import { SCENARIOS } from './scenarios';

function measured(
  server: Measurement['server'],
  round: number,
  messagesPerSecond: number,
): Measurement {
  return {
    round,
    scenario: 'tcp-throughput',
    server,
    metrics: { messagesPerSecond },
    generatorCpu: 0.5,
    errors: 0,
    errorSamples: [],
    lost: 0,
    late: 0,
    details: {},
    notes: [],
  };
}

describe('summarizeRun', () => {
  const scenario = SCENARIOS.filter((each) => each.name === 'tcp-throughput');

  it('compares medians over rounds as subject / baseline and checks the target', () => {
    const record: RunRecord = {
      measurements: [
        measured('bare-tcp', 1, 100),
        measured('netlab-tcp', 1, 70),
        measured('bare-tcp', 2, 120),
        measured('netlab-tcp', 2, 110),
        measured('bare-tcp', 3, 500),
        measured('netlab-tcp', 3, 90),
      ],
      failures: [],
      skipped: [],
    };
    const [throughput] = summarizeRun(scenario, record).comparisons;
    expect(throughput).toMatchObject({
      metric: 'messagesPerSecond',
      baselineValue: 120,
      subjectValue: 90,
      ratio: 0.75,
      target: '≥ 1',
      ok: false,
      generatorBound: false,
    });
  });

  it('marks a comparison whose generator went above half a core as not measuring the server', () => {
    const busy = { ...measured('netlab-tcp', 1, 100), generatorCpu: 0.51 };
    const record: RunRecord = {
      measurements: [measured('bare-tcp', 1, 100), busy],
      failures: [],
      skipped: [],
    };
    const summary = summarizeRun(scenario, record);
    expect(summary.comparisons[0]).toMatchObject({
      generatorCpu: [0.5, 0.51],
      generatorBound: true,
    });
    expect(summary.warnings).toEqual([expect.stringContaining('does not measure the server')]);
  });

  it('compares a subject with another subject when its target names one (udp: netlab vs Python)', () => {
    const udp = SCENARIOS.filter((each) => each.name === 'udp-throughput');
    const at = (server: Measurement['server'], rate: number) => ({
      ...measured(server, 1, rate),
      scenario: 'udp-throughput',
    });
    const record: RunRecord = {
      measurements: [at('bare-udp', 100), at('netlab-udp', 110), at('python-udp', 120)],
      failures: [],
      skipped: [],
    };
    const versusPython = summarizeRun(udp, record).comparisons.find(
      (each) => each.baseline === 'python-udp' && each.metric === 'messagesPerSecond',
    );
    expect(versusPython).toMatchObject({ subject: 'netlab-udp', ok: false });
    expect(versusPython?.ratio).toBeCloseTo(110 / 120);
  });

  it('leaves the ratio out when one side did not run', () => {
    const record: RunRecord = {
      measurements: [measured('bare-tcp', 1, 100)],
      failures: [],
      skipped: [],
    };
    const [throughput] = summarizeRun(scenario, record).comparisons;
    expect(throughput.ratio).toBeUndefined();
    expect(throughput.ok).toBeUndefined();
  });
});
