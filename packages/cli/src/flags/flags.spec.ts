import { environmentName } from './environment';
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
    expect(usage).toMatch(/--port PORT .*\n +env NETLAB_PORT\n/);
    expect(usage).toContain('env NETLAB_LOG_LEVEL');
    expect(usage.endsWith('Exit status: 0, 1, 2.\n')).toBe(true);
  });
});

describe('parseFlags with an environment', () => {
  const serverSpec = {
    ...spec,
    port: flag.alsoFrom(flag.port(1060, 'port to bind'), 'PORT'),
    maxConnections: flag.integer(1, 100, 10, 'connections at once'),
  };

  it('reads a flag missing from the command line from NETLAB_<FLAG>', () => {
    const parsed = parseFlags(serverSpec, [], {
      NETLAB_MAX_CONNECTIONS: '3',
      NETLAB_LOG_LEVEL: 'debug',
      NETLAB_DUMP: 'true',
    });
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { maxConnections: 3, logLevel: 'debug', dump: true, port: 1060 },
    });
  });

  it('ranks the flag over its variable, and the variable over the default', () => {
    const environment = { NETLAB_PORT: '2000', NETLAB_SERVICE: 'uppercase' };
    expect(parseFlags(serverSpec, ['--port', '3000'], environment)).toMatchObject({
      kind: 'run',
      options: { port: 3000, service: 'uppercase' },
    });
  });

  it('reads PORT for a flag that also takes it, after NETLAB_PORT', () => {
    expect(parseFlags(serverSpec, [], { PORT: '8080' })).toMatchObject({
      options: { port: 8080 },
    });
    expect(parseFlags(serverSpec, [], { PORT: '8080', NETLAB_PORT: '9090' })).toMatchObject({
      options: { port: 9090 },
    });
    // A client's port does not read PORT: it names where a server of this platform listens.
    expect(parseFlags(spec, [], { PORT: '8080' })).toMatchObject({ options: { port: 1060 } });
  });

  it('takes an empty variable as unset', () => {
    expect(parseFlags(serverSpec, [], { NETLAB_PORT: '', PORT: '7000' })).toMatchObject({
      options: { port: 7000 },
    });
  });

  it('reads a switch from 1/0, true/false, yes/no, on/off', () => {
    for (const [text, on] of [
      ['1', true],
      ['YES', true],
      ['on', true],
      ['0', false],
      ['false', false],
      ['no', false],
    ] as const) {
      expect(parseFlags(spec, [], { NETLAB_DUMP: text })).toMatchObject({ options: { dump: on } });
    }
  });

  it.each([
    [{ NETLAB_PORT: 'abc' }, 'NETLAB_PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ NETLAB_SERVICE: 'echo' }, 'NETLAB_SERVICE must be one of task, uppercase (got "echo")'],
    [
      { NETLAB_DUMP: 'maybe' },
      'NETLAB_DUMP must be one of 1, true, yes, on, 0, false, no, off (got "maybe")',
    ],
  ])('rejects the bad variable %j with one line naming it', (environment, message) => {
    expect(parseFlags(serverSpec, [], environment)).toEqual({ kind: 'error', message });
  });

  it('ignores a bad variable whose flag is on the command line', () => {
    expect(parseFlags(serverSpec, ['--port', '1'], { NETLAB_PORT: 'abc' })).toMatchObject({
      kind: 'run',
      options: { port: 1 },
    });
  });
});

describe('environmentName', () => {
  it('is NETLAB_ and the flag in upper snake case', () => {
    expect(environmentName('maxConnections')).toBe('NETLAB_MAX_CONNECTIONS');
    expect(environmentName('port')).toBe('NETLAB_PORT');
    expect(environmentName('logLevel')).toBe('NETLAB_LOG_LEVEL');
  });
});
