import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findStreamModule, haproxyConfig, nginxConfig } from './configs';

const servers = [
  { host: '127.0.0.1', port: 41001 },
  { host: '127.0.0.1', port: 41002 },
  { host: '127.0.0.1', port: 41003 },
];

let runDir: string;
beforeEach(() => (runDir = mkdtempSync(path.join(tmpdir(), 'netlab-configs-'))));
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

describe('haproxyConfig', () => {
  const config = (): string =>
    haproxyConfig({ listen: { host: '127.0.0.1', port: 40000 }, servers, runDir });

  it('lists each tcp-server, checked, with a PROXY v2 header on every connection', () => {
    const text = config();
    expect(text).toContain('bind 127.0.0.1:40000');
    expect(text).toContain('default-server check inter 1000ms fall 1 rise 1 send-proxy-v2');
    expect(text).toMatch(
      /server tcp1 127\.0\.0\.1:41001\n\s+server tcp2 127\.0\.0\.1:41002\n\s+server tcp3 127\.0\.0\.1:41003/,
    );
    expect(text).not.toContain('{{');
  });

  it('is a config haproxy itself accepts (haproxy -c)', () => {
    const file = path.join(runDir, 'haproxy.cfg');
    writeFileSync(file, config());
    expect(execFileSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' })).toContain(
      'Configuration file is valid',
    );
  });
});

describe('haproxyConfig with tls (TLS passthrough)', () => {
  const config = (): string =>
    haproxyConfig({
      listen: { host: '127.0.0.1', port: 40000 },
      servers,
      runDir,
      tls: { caFile: '/etc/netlab/ca.crt' },
    });

  it('passes TLS through, checks each server over TLS with a PROXY header first', () => {
    const text = config();
    expect(text).toMatch(/bind 127\.0\.0\.1:40000\n/);
    expect(text).toContain(
      'send-proxy-v2 check-send-proxy check-ssl verify required ca-file /etc/netlab/ca.crt',
    );
    expect(text).not.toContain('{{');
  });

  it('is a config haproxy itself accepts (haproxy -c)', () => {
    const file = path.join(runDir, 'haproxy.cfg');
    const ca = path.join(runDir, 'ca.crt');
    // haproxy -c loads the CA file: any certificate will do for the syntax check.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=check',
        '-keyout',
        path.join(runDir, 'ca.key'),
        '-out',
        ca,
      ],
      { stdio: 'ignore' },
    );
    writeFileSync(
      file,
      haproxyConfig({
        listen: { host: '127.0.0.1', port: 40000 },
        servers,
        runDir,
        tls: { caFile: ca },
      }),
    );
    expect(execFileSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' })).toContain(
      'Configuration file is valid',
    );
  });
});

describe('nginxConfig', () => {
  const config = (): string =>
    nginxConfig({
      host: '127.0.0.1',
      udpPort: 40001,
      udpServers: servers,
      tcpPort: 40002,
      tcpServers: servers,
      runDir,
      streamModule: findStreamModule(),
    });

  it('proxies UDP with one reply per datagram, and TCP with a PROXY header', () => {
    const text = config();
    expect(text).toContain('listen 127.0.0.1:40001 udp;');
    expect(text).toContain('proxy_responses 1;');
    expect(text).toContain('listen 127.0.0.1:40002;');
    expect(text).toContain('proxy_protocol on;');
    expect(text.match(/server 127\.0\.0\.1:4100[123];/g)).toHaveLength(6);
    expect(text).not.toContain('{{');
  });

  it('loads the stream module only when nginx has it as a separate file', () => {
    const withModule = nginxConfig({
      host: '127.0.0.1',
      udpPort: 1,
      udpServers: servers,
      tcpPort: 2,
      tcpServers: servers,
      runDir,
      streamModule: '/x/ngx_stream_module.so',
    });
    expect(withModule).toContain('load_module /x/ngx_stream_module.so;');
    const without = withModule.replace('load_module /x/ngx_stream_module.so;', '');
    expect(
      nginxConfig({
        host: '127.0.0.1',
        udpPort: 1,
        udpServers: servers,
        tcpPort: 2,
        tcpServers: servers,
        runDir,
      }),
    ).toBe(without);
  });

  it('is a config nginx itself accepts (nginx -t)', () => {
    const file = path.join(runDir, 'nginx.conf');
    writeFileSync(file, config());
    // nginx -t reports on stderr and exits non-zero (throwing here) on a bad config.
    execFileSync('nginx', ['-t', '-p', `${runDir}/`, '-c', file, '-e', 'stderr'], {
      stdio: 'pipe',
    });
  });
});
