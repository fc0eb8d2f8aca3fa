// The runner's side of the native load generator (native/load-generator.c), which drives
// the TCP and UDP loads: run it with the job as arguments, read the server's CPU time as it
// says its measurement window opens and closes, and take its one JSON result.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LoadResult, TcpLoadJob, UdpLoadJob } from './job-types';
import { readProcessTreeCpuSeconds } from './proc-stats';

/** The compiled generator in the bundle directory (tmp/bench/), built by run.sh with gcc. */
export const NATIVE_GENERATOR_FILE = 'load-generator-native';

/** The generator's command line for a job (see the usage in load-generator.c). */
export function nativeGeneratorArgs(job: TcpLoadJob | UdpLoadJob): string[] {
  const timing = [job.warmupMs, job.durationMs];
  const values =
    job.kind === 'tcp-load'
      ? [
          job.transport ?? 'tcp',
          job.host,
          job.port,
          job.service,
          job.connections,
          job.inFlight,
          job.lineBytes,
          ...timing,
          job.drainTimeoutMs,
          job.pauseMicros,
        ]
      : [
          'udp',
          job.host,
          job.port,
          job.sockets,
          job.inFlight,
          job.datagramBytes,
          ...timing,
          job.lossTimeoutMs,
          job.pauseMicros,
        ];
  return values.map(String);
}

export function runNativeGenerator(
  binary: string,
  job: TcpLoadJob | UdpLoadJob,
  timeoutMs: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, nativeGeneratorArgs(job), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let result: LoadResult | undefined;
    let serverCpuAtOpen: number | undefined;
    let serverCpuAtClose: number | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() =>
        reject(new Error(`the load generator gave no result within ${timeoutMs / 1000} s`)),
      );
    }, timeoutMs);
    child.stderr
      .setEncoding('utf8')
      .on('data', (text: string) => (stderr = (stderr + text).slice(-2_000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'window-open') serverCpuAtOpen = readProcessTreeCpuSeconds(job.serverPid);
      else if (line === 'window-closed')
        serverCpuAtClose = readProcessTreeCpuSeconds(job.serverPid);
      else result = JSON.parse(line) as LoadResult;
    });
    child.on('error', (error) =>
      settle(() => reject(new Error(`the load generator could not be started: ${error.message}`))),
    );
    child.on('close', (code, signal) =>
      settle(() => {
        if (code !== 0 || result === undefined) {
          const why = signal ?? `code ${code}`;
          return reject(
            new Error(
              `the load generator exited (${why}) without a result${stderr ? `: ${stderr.trim()}` : ''}`,
            ),
          );
        }
        const serverCpu =
          serverCpuAtOpen === undefined || serverCpuAtClose === undefined
            ? undefined
            : (serverCpuAtClose - serverCpuAtOpen) / result.windowSeconds;
        resolve({ ...result, serverCpu });
      }),
    );
  });
}
