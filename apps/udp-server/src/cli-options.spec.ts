import { parseServerArgs } from './cli-options';

describe('parseServerArgs', () => {
  it('defaults to the uppercase service on 0.0.0.0:12000 at info, no dump, no rate limit', () => {
    expect(parseServerArgs([])).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        port: 12000,
        service: 'uppercase',
        logLevel: 'info',
        dump: false,
        rateLimit: 0,
      },
    });
  });

  it('reads every flag', () => {
    const args = [
      '--host',
      '::1',
      '--port',
      '0',
      '--log-level',
      'silent',
      '--dump',
      '--rate-limit',
      '50',
      '--service',
      'uppercase',
    ];
    expect(parseServerArgs(args)).toEqual({
      kind: 'run',
      options: {
        host: '::1',
        port: 0,
        service: 'uppercase',
        logLevel: 'silent',
        dump: true,
        rateLimit: 50,
      },
    });
  });

  it('accepts host names and the --flag=value form', () => {
    expect(parseServerArgs(['--host=my-laptop.local'])).toMatchObject({
      options: { host: 'my-laptop.local' },
    });
  });

  it('answers --help and --version before checking values', () => {
    expect(parseServerArgs(['--port', 'x', '--help'])).toEqual({ kind: 'help' });
    expect(parseServerArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['--port', '65536'], '--port must be an integer from 0 to 65535 (got "65536")'],
    [['--port', '-1'], '--port needs a value (see --help)'],
    [['--port', '1.5'], '--port must be an integer from 0 to 65535 (got "1.5")'],
    [
      ['--host', 'bad host'],
      '--host must be an IPv4 or IPv6 address or a host name (got "bad host")',
    ],
    [['--service', 'task'], '--service must be uppercase (got "task")'],
    [
      ['--rate-limit', 'lots'],
      '--rate-limit must be a number of datagrams per second from 0 (no limit) to 1000000 (got "lots")',
    ],
    [
      ['--log-level', 'LOUD'],
      '--log-level must be fatal, error, warn, info, debug, trace, silent (got "LOUD")',
    ],
    [['--workers', '2'], 'unknown flag --workers (see --help)'],
    [['--dump=yes'], '--dump takes no value (see --help)'],
    [['--port'], '--port needs a value (see --help)'],
    [['12000'], 'unexpected argument "12000"; every option is a --flag (see --help)'],
  ])('rejects %j with one line naming the flag', (args, message) => {
    expect(parseServerArgs(args)).toEqual({ kind: 'error', message });
  });
});
