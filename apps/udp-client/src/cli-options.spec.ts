import { parseClientArgs } from './cli-options';

describe('parseClientArgs', () => {
  it('defaults to 127.0.0.1:12000, a 1000 ms first wait and 3 retries', () => {
    expect(parseClientArgs([])).toEqual({
      kind: 'run',
      options: {
        host: '127.0.0.1',
        port: 12000,
        timeout: 1000,
        retries: 3,
        logLevel: 'info',
        dump: false,
      },
    });
  });

  it('reads every flag', () => {
    const args = [
      '--host',
      'localhost',
      '--port',
      '9',
      '--timeout',
      '50',
      '--retries',
      '0',
      '--log-level',
      'debug',
      '--dump',
    ];
    expect(parseClientArgs(args)).toEqual({
      kind: 'run',
      options: {
        host: 'localhost',
        port: 9,
        timeout: 50,
        retries: 0,
        logLevel: 'debug',
        dump: true,
      },
    });
  });

  it('accepts IPv6 addresses', () => {
    expect(parseClientArgs(['--host', '::1'])).toMatchObject({ options: { host: '::1' } });
  });

  it('answers --help and --version', () => {
    expect(parseClientArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseClientArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['--port', '0'], '--port must be an integer from 1 to 65535 (got "0")'],
    [
      ['--timeout', '0'],
      '--timeout must be a whole number of milliseconds from 1 to 600000 (got "0")',
    ],
    [
      ['--timeout', 'soon'],
      '--timeout must be a whole number of milliseconds from 1 to 600000 (got "soon")',
    ],
    [['--retries', '21'], '--retries must be an integer from 0 to 20 (got "21")'],
    [['--host', 'a_b'], '--host must be an IPv4 or IPv6 address or a host name (got "a_b")'],
    [['--nope'], 'unknown flag --nope (see --help)'],
    [['hello'], 'unexpected argument "hello"; every option is a --flag (see --help)'],
  ])('rejects %j with one line naming the flag', (args, message) => {
    expect(parseClientArgs(args)).toEqual({ kind: 'error', message });
  });
});
