import { flag } from './flag';
import { flagName, parseFlags } from './parse-flags';
import { formatUsage } from './usage';

const spec = {
  host: flag.host('0.0.0.0', 'address to bind'),
  port: flag.port(1060, 'port to bind, 0 lets the OS pick'),
  service: flag.choice(['task', 'uppercase'] as const, 'task', 'service to run'),
  path: flag.optionalText('Unix socket path', 'a file system path', 'PATH'),
  logLevel: flag.logLevel(),
  dump: flag.switch('log every frame'),
};

describe('parseFlags', () => {
  it('gives the defaults when no flag is passed', () => {
    expect(parseFlags(spec, [])).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        port: 1060,
        service: 'task',
        path: undefined,
        logLevel: 'info',
        dump: false,
      },
    });
  });

  it('reads every kind of flag, in --flag value and --flag=value forms', () => {
    const parsed = parseFlags(spec, [
      '--host',
      '::1',
      '--port=0',
      '--service',
      'uppercase',
      '--path',
      '/tmp/s.sock',
      '--log-level',
      'silent',
      '--dump',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        host: '::1',
        port: 0,
        service: 'uppercase',
        path: '/tmp/s.sock',
        logLevel: 'silent',
        dump: true,
      },
    });
  });

  it.each([
    [['--port', 'abc'], '--port must be an integer from 0 to 65535 (got "abc")'],
    [['--port', '65536'], '--port must be an integer from 0 to 65535 (got "65536")'],
    [['--port', '1.5'], '--port must be an integer from 0 to 65535 (got "1.5")'],
    [['--service', 'echo'], '--service must be one of task, uppercase (got "echo")'],
    [
      ['--log-level', 'loud'],
      '--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [
      ['--host', 'bad host!'],
      '--host must be an IPv4 or IPv6 address or a host name (got "bad host!")',
    ],
    [['--colour'], 'unknown flag --colour (see --help)'],
    [['--port'], '--port needs a value (see --help)'],
    [['--dump=yes'], '--dump takes no value (see --help)'],
    [['12000'], 'unexpected argument "12000"; every option is a --flag (see --help)'],
  ])('rejects %j with one line naming the flag: %s', (argv, message) => {
    expect(parseFlags(spec, argv)).toEqual({ kind: 'error', message });
  });

  it('puts --help and --version before any other check', () => {
    expect(parseFlags(spec, ['--port', 'abc', '--help'])).toEqual({ kind: 'help' });
    expect(parseFlags(spec, ['--version'])).toEqual({ kind: 'version' });
  });

  it('lets clients refuse port 0', () => {
    const clientSpec = { port: flag.port(12000, 'server port', 1) };
    expect(parseFlags(clientSpec, ['--port', '0'])).toEqual({
      kind: 'error',
      message: '--port must be an integer from 1 to 65535 (got "0")',
    });
  });
});

describe('flagName', () => {
  it('turns camelCase option names into the kebab-case flags users type', () => {
    expect(flagName('logLevel')).toBe('log-level');
    expect(flagName('maxLineBytes')).toBe('max-line-bytes');
    expect(flagName('port')).toBe('port');
  });
});

describe('formatUsage', () => {
  it('lists every flag with its value name and default, then --help and --version', () => {
    const usage = formatUsage('tcp-server', 'The TCP task service.', spec, 'Exit status: 0, 1, 2.');
    expect(usage).toMatch(/^Usage: tcp-server \[options\]\n\nThe TCP task service\.\n\nOptions:\n/);
    expect(usage).toContain('--port PORT');
    expect(usage).toContain('port to bind, 0 lets the OS pick (default 1060)');
    expect(usage).toContain('--log-level LEVEL');
    expect(usage).toMatch(/--dump +log every frame\n/);
    expect(usage).toMatch(/--path PATH +Unix socket path\n/);
    expect(usage).toContain('--help');
    expect(usage).toContain('--version');
    expect(usage.endsWith('Exit status: 0, 1, 2.\n')).toBe(true);
  });
});
