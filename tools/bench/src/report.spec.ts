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
      target: '≥ 0.8',
      ok: false,
    });
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
