import { parseFlags } from '@netlab/cli';
import { UDP_SERVER_FLAGS } from './flags';

describe('udp-server flags', () => {
  it('default to the uppercase service on 0.0.0.0:12000 at info, no dump, no rate limit', () => {
    expect(parseFlags(UDP_SERVER_FLAGS, [])).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        port: 12000,
        service: 'uppercase',
        rateLimit: 0,
        maxInFlight: 1024,
        workers: 1,
        metricsPort: undefined,
        metricsHost: '127.0.0.1',
        reusePort: false,
        grace: 5000,
        logLevel: 'info',
        logFormat: undefined,
        dump: false,
        pcap: undefined,
        pcapMaxBytes: 104857600,
      },
    });
  });

  it('read every flag, host names and the --flag=value form', () => {
    const parsed = parseFlags(UDP_SERVER_FLAGS, [
      '--host=my-laptop.local',
      '--port',
      '0',
      '--rate-limit',
      '50',
      '--max-in-flight',
      '16',
      '--workers',
      'auto',
      '--grace',
      '100',
      '--log-level',
      'silent',
      '--dump',
    ]);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: {
        host: 'my-laptop.local',
        port: 0,
        rateLimit: 50,
        maxInFlight: 16,
        workers: 'auto',
        grace: 100,
        logLevel: 'silent',
        dump: true,
      },
    });
  });

  it.each([
    [['--port', '65536'], '--port must be an integer from 0 to 65535 (got "65536")'],
    [['--port', '-1'], '--port needs a value (see --help)'],
    [['--service', 'task'], '--service must be one of uppercase (got "task")'],
    [['--rate-limit', 'lots'], '--rate-limit must be an integer from 0 to 1000000 (got "lots")'],
    [
      ['--workers', 'all'],
      '--workers must be an integer from 1 to 256, or auto (one per core) (got "all")',
    ],
    [['--max-in-flight', '0'], '--max-in-flight must be an integer from 1 to 1000000 (got "0")'],
    [['--grace', '1.5'], '--grace must be an integer from 0 to 600000 (got "1.5")'],
  ])('reject %j with one line naming the flag', (argv, message) => {
    expect(parseFlags(UDP_SERVER_FLAGS, argv)).toEqual({ kind: 'error', message });
  });
});
