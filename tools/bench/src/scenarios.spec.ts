import { SCENARIOS } from './scenarios';
import type { Scenario } from './scenarios';

function scenario(name: string): Scenario {
  const found = SCENARIOS.find((each) => each.name === name);
  if (found === undefined) throw new Error(`no scenario ${name}`);
  return found;
}

describe('paced scenarios', () => {
  it('twin every scenario with a throughput target, and no other', () => {
    const paced = SCENARIOS.filter((each) => each.name.endsWith('-paced')).map((each) => each.name);
    expect(paced).toEqual([
      'tcp-throughput-paced',
      'task-throughput-paced',
      'tcp-bytes-paced',
      'udp-throughput-paced',
      'tcp-info-logging-paced',
      'tcp-metrics-paced',
      'udp-metrics-paced',
      'tls-throughput-paced',
    ]);
    expect(new Set(SCENARIOS.map((each) => each.name)).size).toBe(SCENARIOS.length);
  });

  it('keep the load and its servers, pause the generator, and hold CPU per message to 1/x of a throughput target x', () => {
    const saturated = scenario('tcp-info-logging');
    const twin = scenario('tcp-info-logging-paced');
    if (saturated.measure !== 'tcp-load' || twin.measure !== 'tcp-load') {
      throw new Error('expected TCP loads');
    }
    expect(twin.load).toEqual({ ...saturated.load, pauseMicros: 1000 });
    expect(twin.baseline).toBe(saturated.baseline);
    expect(twin.subjects).toEqual([
      {
        server: 'netlab-tcp-info',
        targets: [{ metric: 'serverCpuMicrosPerMessage', atMost: 1.43 }],
      },
    ]);
    expect(twin.compared[0]).toBe('serverCpuMicrosPerMessage');

    const udp = scenario('udp-throughput-paced');
    expect(udp.measure).toBe('udp-load');
    // The Python loop stays a reference row; netlab is held to it and to bare node:dgram.
    expect(udp.subjects.map((each) => [each.server, each.against, each.targets])).toEqual([
      ['netlab-udp', undefined, [{ metric: 'serverCpuMicrosPerMessage', atMost: 1 }]],
      ['python-udp', undefined, []],
      ['netlab-udp', 'python-udp', [{ metric: 'serverCpuMicrosPerMessage', atMost: 1 }]],
    ]);
    expect(scenario('tcp-bytes-paced').subjects[0]?.targets).toEqual([
      { metric: 'serverCpuMicrosPerMessage', atMost: 1.11 },
    ]);
  });
});
