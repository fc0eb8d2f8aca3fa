import { parseFlags } from '@netlab/cli';
import { TCP_SERVER_FLAGS } from './flags';

describe('tcp-server flags', () => {
  it('default to the task service on 0.0.0.0:1060 with the transport limits, 5 s grace, info, no dump', () => {
    expect(parseFlags(TCP_SERVER_FLAGS, [])).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        port: 1060,
        path: undefined,
        service: 'task',
        maxLineBytes: 65_536,
        maxHistoryBytes: 16_384,
        maxConnections: 10_000,
        idleTimeout: 300_000,
        lineDeadline: 30_000,
        maxPendingWriteBytes: 65_536,
        stuckWriterTimeout: 30_000,
        maxInFlight: 64,
        proxyProtocol: false,
        tlsCert: undefined,
        tlsKey: undefined,
        tlsCa: undefined,
        tlsClientAuth: false,
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

  it('read every flag, in --flag value and --flag=value forms', () => {
    const parsed = parseFlags(TCP_SERVER_FLAGS, [
      '--host=::',
      '--port',
      '0',
      '--path',
      '/tmp/tcp-server.sock',
      '--service',
      'uppercase',
      '--max-line-bytes=16',
      '--max-history-bytes',
      '100',
      '--max-connections',
      '3',
      '--idle-timeout',
      '1000',
      '--line-deadline',
      '500',
      '--max-pending-write-bytes',
      '4096',
      '--stuck-writer-timeout',
      '250',
      '--max-in-flight',
      '8',
      '--proxy-protocol',
      '--tls-cert',
      'server.crt',
      '--tls-key=server.key',
      '--tls-ca',
      'ca.crt',
      '--tls-client-auth',
      '--workers',
      '4',
      '--metrics-port',
      '9464',
      '--metrics-host',
      '::',
      '--grace',
      '0',
      '--log-level',
      'debug',
      '--dump',
      '--pcap',
      'out.pcapng',
      '--pcap-max-bytes=4096',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        host: '::',
        port: 0,
        path: '/tmp/tcp-server.sock',
        service: 'uppercase',
        maxLineBytes: 16,
        maxHistoryBytes: 100,
        maxConnections: 3,
        idleTimeout: 1000,
        lineDeadline: 500,
        maxPendingWriteBytes: 4096,
        stuckWriterTimeout: 250,
        maxInFlight: 8,
        proxyProtocol: true,
        tlsCert: 'server.crt',
        tlsKey: 'server.key',
        tlsCa: 'ca.crt',
        tlsClientAuth: true,
        workers: 4,
        metricsPort: 9464,
        metricsHost: '::',
        // --reuse-port depends on the Node running: test/reuse-port.e2e.spec.ts.
        reusePort: false,
        grace: 0,
        logLevel: 'debug',
        dump: true,
        pcap: 'out.pcapng',
        pcapMaxBytes: 4096,
      },
    });
  });

  it('read --workers auto as the word auto (the app counts the cores)', () => {
    expect(parseFlags(TCP_SERVER_FLAGS, ['--workers', 'auto'])).toMatchObject({
      kind: 'run',
      options: { workers: 'auto' },
    });
  });

  it.each([
    [['--service', 'echo'], '--service must be one of task, uppercase, chat (got "echo")'],
    [
      ['--max-line-bytes', '0'],
      '--max-line-bytes must be an integer from 1 to 1073741824 (got "0")',
    ],
    [['--max-in-flight', '0'], '--max-in-flight must be an integer from 1 to 1000000 (got "0")'],
    [
      ['--max-connections', 'many'],
      '--max-connections must be an integer from 1 to 1000000 (got "many")',
    ],
    // Past 2^31-1 ms, setTimeout fires at once: a "long" timeout would close every connection.
    [
      ['--idle-timeout', '2147483648'],
      '--idle-timeout must be an integer from 1 to 2147483647 (got "2147483648")',
    ],
    [['--line-deadline', '0'], '--line-deadline must be an integer from 1 to 2147483647 (got "0")'],
    [
      ['--stuck-writer-timeout', '1.5'],
      '--stuck-writer-timeout must be an integer from 1 to 2147483647 (got "1.5")',
    ],
    [['--grace', '-1'], '--grace needs a value (see --help)'],
    [
      ['--workers', '0'],
      '--workers must be an integer from 1 to 256, or auto (one per core) (got "0")',
    ],
    [['--path', ''], '--path must be a file system path (got "")'],
  ])('reject %j with one line naming the flag', (argv, message) => {
    expect(parseFlags(TCP_SERVER_FLAGS, argv)).toEqual({ kind: 'error', message });
  });
});
