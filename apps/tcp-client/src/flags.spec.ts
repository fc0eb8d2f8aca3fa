import { parseFlags } from '@netlab/cli';
import { TCP_CLIENT_FLAGS } from './flags';

describe('tcp-client flags', () => {
  it('default to 127.0.0.1:1060 at info, no socket path, no reconnect, replies paired (no chat), no dump', () => {
    expect(parseFlags(TCP_CLIENT_FLAGS, [])).toEqual({
      kind: 'run',
      options: {
        host: '127.0.0.1',
        port: 1060,
        path: undefined,
        reconnect: false,
        chat: false,
        tls: false,
        tlsCa: undefined,
        tlsCert: undefined,
        tlsKey: undefined,
        tlsServername: undefined,
        logLevel: 'info',
        dump: false,
        pcap: undefined,
        pcapMaxBytes: 104857600,
      },
    });
  });

  it('read every flag', () => {
    expect(
      parseFlags(TCP_CLIENT_FLAGS, [
        '--host',
        '::1',
        '--port=12000',
        '--path',
        '/tmp/tcp-server.sock',
        '--reconnect',
        '--chat',
        '--tls',
        '--tls-ca',
        'ca.crt',
        '--tls-cert',
        'client.crt',
        '--tls-key',
        'client.key',
        '--tls-servername',
        'server.example',
        '--log-level',
        'debug',
        '--dump',
        '--pcap',
        'out.pcapng',
        '--pcap-max-bytes=4096',
      ]),
    ).toEqual({
      kind: 'run',
      options: {
        host: '::1',
        port: 12000,
        path: '/tmp/tcp-server.sock',
        reconnect: true,
        chat: true,
        tls: true,
        tlsCa: 'ca.crt',
        tlsCert: 'client.crt',
        tlsKey: 'client.key',
        tlsServername: 'server.example',
        logLevel: 'debug',
        dump: true,
        pcap: 'out.pcapng',
        pcapMaxBytes: 4096,
      },
    });
  });

  it.each([
    [['--port', '0'], '--port must be an integer from 1 to 65535 (got "0")'],
    [
      ['--host', 'no spaces allowed'],
      '--host must be an IPv4 or IPv6 address or a host name (got "no spaces allowed")',
    ],
    [['--service', 'task'], 'unknown flag --service (see --help)'],
    [['localhost'], 'unexpected argument "localhost"; every option is a --flag (see --help)'],
  ])('reject %j with one line naming the flag', (argv, message) => {
    expect(parseFlags(TCP_CLIENT_FLAGS, argv)).toEqual({ kind: 'error', message });
  });
});
