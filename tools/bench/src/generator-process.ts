// The runner's side of the idle-connections generator: fork it, hand it one job, await one
// result.

import { fork } from 'node:child_process';
import type { GeneratorMessage, IdleConnectionsJob, IdleConnectionsResult } from './job-types';

export function runGenerator(
  scriptPath: string,
  job: IdleConnectionsJob,
  timeoutMs: number,
): Promise<IdleConnectionsResult> {
  return new Promise((resolve, reject) => {
    const child = fork(scriptPath, [], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      // e.g. BENCH_GENERATOR_NODE_ARGS=--cpu-prof to see where the generator spends its time.
      execArgv: process.env.BENCH_GENERATOR_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    });
    let stderr = '';
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
    child.stderr!.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)),
    );
    child.on('message', (message: GeneratorMessage) =>
      settle(() =>
        message.type === 'result'
          ? resolve(message.result)
          : reject(new Error(`the load generator failed: ${message.message}`)),
      ),
    );
    child.on('error', (error) => settle(() => reject(error)));
    child.on('exit', (code, signal) =>
      settle(() =>
        reject(
          new Error(
            `the load generator exited (${signal ?? `code ${code}`}) without a result${stderr ? `:\n${stderr.trim()}` : ''}`,
          ),
        ),
      ),
    );
    child.send(job);
  });
}
