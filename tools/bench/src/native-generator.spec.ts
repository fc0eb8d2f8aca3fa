import type { TcpLoadJob } from './job-types';
import { nativeGeneratorArgs } from './native-generator';

describe('nativeGeneratorArgs', () => {
  const job: TcpLoadJob = {
    kind: 'tcp-load',
    host: '127.0.0.1',
    port: 4000,
    serverPid: 1,
    service: 'uppercase',
    connections: 50,
    inFlight: 16,
    lineBytes: 32,
    warmupMs: 1000,
    durationMs: 5000,
    drainTimeoutMs: 5000,
    pauseMicros: 100,
  };
  const rest = ['127.0.0.1', '4000', 'uppercase', '50', '16', '32', '1000', '5000', '5000', '100'];

  it('runs a TCP load in plaintext unless the job names a transport', () => {
    expect(nativeGeneratorArgs(job)).toEqual(['tcp', ...rest]);
  });

  it('names the TLS modes first, with the same arguments', () => {
    expect(nativeGeneratorArgs({ ...job, transport: 'tls' })).toEqual(['tls', ...rest]);
    expect(nativeGeneratorArgs({ ...job, transport: 'tls-handshakes', inFlight: 1 })).toEqual([
      'tls-handshakes',
      ...rest.slice(0, 4),
      '1',
      ...rest.slice(5),
    ]);
  });
});
