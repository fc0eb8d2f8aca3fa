import { TCP_MIX, parseSoakArgs, splitClients } from './options';

describe('soak options', () => {
  it('default to the CI run: 60 s, 300 TCP and 50 UDP clients, seed 1', () => {
    expect(parseSoakArgs([])).toEqual({
      kind: 'run',
      options: {
        durationSeconds: 60,
        tcpClients: 300,
        udpClients: 50,
        seed: 1,
        shards: 2,
        jsonFile: 'tmp/soak/results.json',
      },
    });
  });

  it('read --duration 600 for a longer run, and the other flags', () => {
    expect(
      parseSoakArgs([
        '--duration',
        '600',
        '--tcp-clients=500',
        '--udp-clients',
        '0',
        '--seed',
        '9',
      ]),
    ).toMatchObject({
      kind: 'run',
      options: { durationSeconds: 600, tcpClients: 500, udpClients: 0, seed: 9 },
    });
  });

  it.each([
    [['--duration', '0'], '--duration must be a whole number of at least 1 (got "0")'],
    [['--duration', '1.5'], '--duration must be a whole number of at least 1 (got "1.5")'],
    [['--tcp-clients', '3'], '--tcp-clients must be a whole number of at least 6 (got "3")'],
  ])('reject %j with one line naming the flag', (argv, message) => {
    expect(parseSoakArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('reject an unknown flag', () => {
    expect(parseSoakArgs(['--minutes', '5'])).toMatchObject({ kind: 'error' });
  });
});

describe('splitClients', () => {
  it('gives every behaviour its share and the rest to normal clients', () => {
    const split = splitClients(300);
    expect(split).toEqual({
      normal: 135,
      pipelining: 45,
      slow: 30,
      slowloris: 15,
      'non-reading': 15,
      resetting: 60,
    });
    expect(Object.values(split).reduce((a, b) => a + b)).toBe(300);
  });

  it('keeps at least one client of each behaviour', () => {
    expect(Object.values(splitClients(TCP_MIX.length))).toEqual(TCP_MIX.map(() => 1));
  });
});
